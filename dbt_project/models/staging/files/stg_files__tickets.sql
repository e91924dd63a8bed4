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

-- One row per file-drop ticket: the latest version (by updated_at) landed by
-- an accepted load. Rows of quarantined, failed or still running loads never
-- get past here (a file with resolved_at before opened_at is quarantined by
-- the raw_file_tickets suite and so never counts).
-- A table, incremental as stg_topdesk__incidents: on a normal night only the
-- rows of the loads not processed yet are read, and a version replaces the one
-- kept only when it is later by the same order (updated_at, landed_at, load_id).

with

source as (

    select * from {{ source('files', 'tickets') }}
    where load_id in (
        select loads.load_id from {{ source('audit', 'loads') }} as loads
        where loads.status = 'accepted'
    )
    {% if incremental %}
        and load_id in ({{ unprocessed_loads() }})
    {% endif %}

),

latest_version as (

    -- a later file re-delivers a changed ticket in full
    select distinct on (org_code, ticket_id) *
    from source
    order by org_code asc, ticket_id asc, updated_at desc, landed_at desc, load_id desc

),

{% if incremental %}
newer_version as (

    -- tonight's latest version, where it is later than the version kept
    select latest_version.*
    from latest_version
    left join {{ this }} as kept
        on
            latest_version.org_code = kept.org_code
            and latest_version.ticket_id = kept.ticket_id
    where
        kept.ticket_id is null
        or (latest_version.updated_at, latest_version.landed_at, latest_version.load_id)
        > (kept.updated_at, kept.landed_at, kept.load_id)

),
{% endif %}

renamed as (

    select
        ----------  ids
        org_code,
        ticket_id,
        load_id,
        source_file,
        source_row,

        ----------  categories (already SSC codes: the inbox maps services through service_catalogue.yml)
        payload ->> 'service_code' as service_code,
        payload ->> 'source_category' as source_category,
        coalesce(cast(payload ->> 'service_mapped' as boolean), true) as is_service_mapped,
        payload ->> 'priority' as priority,
        payload ->> 'status' as status,

        ----------  timestamps (ISO-8601 with offset)
        cast(nullif(payload ->> 'opened_at', '') as timestamptz) as opened_at,
        cast(nullif(payload ->> 'first_response_at', '') as timestamptz) as first_response_at,
        cast(nullif(payload ->> 'resolved_at', '') as timestamptz) as resolved_at,
        cast(nullif(payload ->> 'closed_at', '') as timestamptz) as closed_at,
        updated_at,
        landed_at

    from {{ 'newer_version' if incremental else 'latest_version' }}

)

select * from renamed
