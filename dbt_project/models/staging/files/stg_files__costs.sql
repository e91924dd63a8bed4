-- The SSC cost ledger: every line of the latest accepted costs file per month.
-- A costs file covers whole months, so a later file with a month replaces all
-- of that month's lines (a correction file for July replaces July, and only
-- July); lines of quarantined, failed or running loads never get past here.

with

{{ latest_accepted_file(source('service_data', 'costs'), partition_by=['month']) }},

renamed as (

    select
        ----------  ids
        {{ file_row_ids() }},

        ----------  the ledger line
        month,
        cost_category,
        amount_eur,
        payload ->> 'note' as note,

        landed_at

    from latest_load

)

select * from renamed
