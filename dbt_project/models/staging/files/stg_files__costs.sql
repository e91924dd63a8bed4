-- The SSC cost ledger: every line of the latest accepted costs file per month.
-- A costs file covers whole months, so a later file with a month replaces all
-- of that month's lines (a correction file for July replaces July, and only
-- July); lines of quarantined, failed or running loads never get past here.

with

source as (

    select * from {{ source('service_data', 'costs') }}
    where load_id in (
        select loads.load_id from {{ source('audit', 'loads') }} as loads
        where loads.status = 'accepted'
    )

),

ranked as (

    select
        *,
        first_value(load_id) over (
            partition by month
            order by landed_at desc, load_id desc
        ) as latest_load_id

    from source

),

renamed as (

    select
        ----------  ids
        load_id,
        source_file,
        source_row,
        org_code as sender_org_code,

        ----------  the ledger line
        month,
        cost_category,
        amount_eur,
        payload ->> 'note' as note,

        landed_at

    from ranked
    where load_id = latest_load_id

)

select * from renamed
