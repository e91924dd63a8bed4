{{ config(tags=['finance']) }}

-- The fixed_pct allocation keys of one year add up to exactly 100 (the
-- file rule of docs/file-drops.md, checked again after the latest file per
-- year and key has replaced earlier ones).

with

allocation_keys as (

    select * from {{ ref('stg_files__allocation_keys') }}
    where allocation_key = 'fixed_pct'

),

year_sums as (

    select
        allocation_year,
        sum(key_value) as pct_total

    from allocation_keys
    group by allocation_year

)

select * from year_sums
where pct_total != 100
