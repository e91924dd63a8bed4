{{ config(tags=['finance']) }}

-- The cumulative rounding of int_baselines_spread loses no cent: over the 12
-- months of a year an organisation's baseline_cost_eur add up exactly to its
-- exact (part-)year baseline rounded to the cent.

with

baselines as (

    select * from {{ ref('int_baselines_spread') }}

),

years as (

    select
        org_code,
        fiscal_year,
        count(*) as months,
        sum(baseline_cost_eur) as baseline_year_eur,
        round(sum(baseline_month_exact_eur), 2) as baseline_year_exact_eur

    from baselines
    group by org_code, fiscal_year

)

select * from years
where months = 12 and baseline_year_eur != baseline_year_exact_eur
