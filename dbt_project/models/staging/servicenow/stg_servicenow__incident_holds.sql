-- On-hold periods of ServiceNow incidents, one row per hold, from the "_holds"
-- the connector derived from sys_audit (state 3 periods). The latest accepted
-- version of an incident carries its complete list.

{{ incident_holds_unnested(ref('stg_servicenow__incidents')) }}
