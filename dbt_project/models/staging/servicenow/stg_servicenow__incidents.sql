{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key=['org_code', 'ticket_id'],
        indexes=[{'columns': ['org_code', 'ticket_id'], 'unique': True}],
        tags=['nightly_increment'],
        post_hook="{{ record_lineage_fingerprint() }}",
    )
}}
-- depends_on: {{ ref('int_loads_registered') }}
{%- set incremental = is_incremental() %}

-- One row per ServiceNow incident: the latest version landed by an accepted load.
-- Rows of quarantined, failed or still running loads never get past here.
-- A table, incremental as stg_topdesk__incidents: on a normal night only the
-- rows of the loads not processed yet are read, and a version replaces the one
-- kept only when it is later by the same order.

with

source as (

    select * from {{ source('servicenow', 'incidents') }}
    where load_id in (
        select loads.load_id from {{ source('audit', 'loads') }} as loads
        where loads.status = 'accepted'
    )
    {% if incremental %}
        and load_id in ({{ unprocessed_loads() }})
    {% endif %}

),

latest_version as (

    -- the same incident is re-delivered by every window in which it changed
    select distinct on (org_code, incident_id) *
    from source
    order by org_code asc, incident_id asc, modified_at desc, landed_at desc, load_id desc

),

{% if incremental %}
newer_version as (

    -- tonight's latest version, where it is later than the version kept
    select latest_version.*
    from latest_version
    left join {{ this }} as kept
        on
            latest_version.org_code = kept.org_code
            and latest_version.incident_id = kept.ticket_id
    where
        kept.ticket_id is null
        or (latest_version.modified_at, latest_version.landed_at, latest_version.load_id)
        > (kept.modified_at, kept.landed_at, kept.load_id)

),
{% endif %}

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

    from {{ 'newer_version' if incremental else 'latest_version' }}

)

select * from renamed
