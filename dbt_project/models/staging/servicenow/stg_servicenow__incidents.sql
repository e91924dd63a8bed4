{{ config(**ticket_increment_config()) }}

-- One row per ServiceNow incident: the latest version landed by an accepted load.
-- Rows of quarantined, failed or still running loads never get past here.
-- A table, incremental as stg_topdesk__incidents: on a normal night only the
-- rows of the loads not processed yet are read, and a version replaces the one
-- kept only when it is later by the same order.
-- The same incident is re-delivered by every window in which it changed; the
-- CTEs up to ticket_versions are macro latest_ticket_versions (all ticket sources).

with

{{ latest_ticket_versions(source('servicenow', 'incidents'), key='incident_id', version='modified_at') }},

renamed as (

    select
        ----------  ids
        org_code,
        incident_id as ticket_id,
        payload ->> 'number' as ticket_number,
        load_id,

        ----------  categories (ServiceNow values; mapped to SSC codes in intermediate)
        payload ->> 'category' as category,
        payload ->> 'state' as state_code,
        case
            when payload ->> 'priority' in ('1', '2', '3', '4') then 'P' || (payload ->> 'priority')
        end as priority,
        payload -> 'assignment_group' ->> 'value' as assignment_group_id,

        ----------  hold intervals the connector derived from sys_audit
        case when jsonb_typeof(payload -> '_holds') = 'array' then payload -> '_holds' end as hold_intervals,

        ----------  timestamps (ServiceNow UTC 'YYYY-MM-DD HH:MM:SS', '' = none)
        cast(nullif(payload ->> 'opened_at', '') as timestamp) at time zone 'UTC' as opened_at,
        cast(nullif(payload ->> 'u_first_response_at', '') as timestamp) at time zone 'UTC' as responded_at,
        cast(nullif(payload ->> 'resolved_at', '') as timestamp) at time zone 'UTC' as resolved_at,
        cast(nullif(payload ->> 'closed_at', '') as timestamp) at time zone 'UTC' as closed_at,
        modified_at,
        landed_at

    from ticket_versions

)

select * from renamed
