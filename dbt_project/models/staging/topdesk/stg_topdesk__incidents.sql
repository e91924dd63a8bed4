{{ config(**ticket_increment_config()) }}

-- One row per TOPdesk incident: the latest version landed by an accepted load.
-- Rows of quarantined, failed or still running loads never get past here.
-- A table, not a view: it is where the raw JSON is read and deduplicated, once,
-- and on a normal night only for the loads not processed yet (docs/incremental.md):
-- their latest version of an incident replaces the one kept here only when it
-- is later by the same order (modified_at, landed_at, load_id), so the table
-- always holds what a full refresh over every accepted load would.
-- The same incident is re-delivered by every window in which it changed; the
-- CTEs up to ticket_versions are macro latest_ticket_versions (all ticket sources).

with

{{ latest_ticket_versions(source('topdesk', 'incidents'), key='incident_id', version='modified_at') }},

renamed as (

    select
        ----------  ids
        org_code,
        incident_id as ticket_id,
        payload ->> 'number' as ticket_number,
        load_id,

        ----------  categories (TOPdesk names; mapped to SSC codes in intermediate)
        payload -> 'category' ->> 'name' as category_name,
        payload -> 'subcategory' ->> 'name' as subcategory_name,
        payload -> 'processingStatus' ->> 'name' as processing_status_name,
        payload -> 'priority' ->> 'name' as priority_name,
        case
            when left(payload -> 'priority' ->> 'name', 2) in ('P1', 'P2', 'P3', 'P4')
                then left(payload -> 'priority' ->> 'name', 2)
        end as priority,
        payload -> 'operatorGroup' ->> 'name' as operator_group_name,
        payload -> 'caller' -> 'branch' ->> 'name' as caller_branch_name,

        ----------  booleans
        cast(payload ->> 'responded' as boolean) as is_responded,
        cast(payload ->> 'completed' as boolean) as is_completed,
        cast(payload ->> 'closed' as boolean) as is_closed,
        cast(payload ->> 'onHold' as boolean) as is_on_hold,

        ----------  numerics
        cast(nullif(payload ->> 'onHoldDuration', '') as numeric) as on_hold_duration,
        cast(nullif(payload ->> 'feedbackRating', '') as numeric) as feedback_rating,

        ----------  hold intervals the connector derived from the progress trail
        -- (top-level "_holds": [{"start": ..., "end": ... | null}]; absent = no known holds)
        case when jsonb_typeof(payload -> '_holds') = 'array' then payload -> '_holds' end as hold_intervals,

        ----------  timestamps (TOPdesk "2026-11-20T09:15:00.000+0000", UTC)
        cast(nullif(payload ->> 'callDate', '') as timestamptz) as called_at,
        cast(nullif(payload ->> 'creationDate', '') as timestamptz) as created_at,
        cast(nullif(payload ->> 'responseDate', '') as timestamptz) as responded_at,
        cast(nullif(payload ->> 'completedDate', '') as timestamptz) as completed_at,
        cast(nullif(payload ->> 'closedDate', '') as timestamptz) as closed_at,
        cast(nullif(payload ->> 'onHoldDate', '') as timestamptz) as on_hold_at,
        cast(nullif(payload ->> 'targetDate', '') as timestamptz) as target_at,
        modified_at,
        landed_at

    from ticket_versions

)

select * from renamed
