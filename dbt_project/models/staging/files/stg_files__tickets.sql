-- One row per file-drop ticket: the latest version (by updated_at) landed by
-- an accepted load. Rows of quarantined, failed or still running loads never
-- get past here (a file with resolved_at before opened_at is quarantined by
-- the raw_file_tickets suite and so never counts).

with

source as (

    select * from {{ source('files', 'tickets') }}
    where load_id in (
        select loads.load_id from {{ source('audit', 'loads') }} as loads
        where loads.status = 'accepted'
    )

),

latest_version as (

    -- a later file re-delivers a changed ticket in full
    select distinct on (org_code, ticket_id) *
    from source
    order by org_code asc, ticket_id asc, updated_at desc, landed_at desc, load_id desc

),

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

    from latest_version

)

select * from renamed
