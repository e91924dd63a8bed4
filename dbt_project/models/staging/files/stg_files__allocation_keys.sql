-- Allocation keys per year, organisation and key from the latest accepted
-- allocation-keys file per (year, key): a later file that carries a key for a
-- year replaces every row of that key and year (so the fixed_pct rows of a
-- year always come from one file, whose rows add up to 100), and leaves the
-- other keys and years alone.

with

{{ latest_accepted_file(source('service_data', 'allocation_keys'), partition_by=['year', 'allocation_key']) }},

renamed as (

    select
        ----------  ids
        {{ file_row_ids() }},

        ----------  the key
        year as allocation_year,
        subject_org_code as org_code,
        allocation_key,
        value as key_value,

        landed_at

    from latest_load

)

select * from renamed
