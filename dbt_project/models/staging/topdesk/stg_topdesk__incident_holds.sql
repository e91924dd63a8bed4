-- On-hold periods of TOPdesk incidents, one row per hold: the connector embeds
-- them in the payload as "_holds" (derived from the progress trail), so the
-- latest accepted version of an incident carries its complete list and
-- replaces the holds of earlier versions. An incident without "_holds" has no
-- known holds. Built on stg_topdesk__incidents (same accepted-loads rule and
-- the same latest version), unnesting only.

{{ incident_holds_unnested(ref('stg_topdesk__incidents')) }}
