-- The SSC's cost per month: the ledger lines of stg_files__costs added up per
-- category and in total, exact to the cent. total_cost_cents is the whole
-- number of cents the allocation (int_costs_allocated) hands out, to the cent.

with

costs as (

    select * from {{ ref('stg_files__costs') }}

),

aggregated as (

    select
        month,
        cast(extract(year from month) as integer) as fiscal_year,
        coalesce(sum(amount_eur) filter (where cost_category = 'personnel'), 0) as personnel_eur,
        coalesce(sum(amount_eur) filter (where cost_category = 'licences'), 0) as licences_eur,
        coalesce(sum(amount_eur) filter (where cost_category = 'infrastructure'), 0) as infrastructure_eur,
        coalesce(sum(amount_eur) filter (where cost_category = 'housing'), 0) as housing_eur,
        sum(amount_eur) as total_cost_eur,
        cast(sum(amount_eur) * 100 as bigint) as total_cost_cents,
        count(*) as ledger_lines

    from costs
    group by month

)

select * from aggregated
