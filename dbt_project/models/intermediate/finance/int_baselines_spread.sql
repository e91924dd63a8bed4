{{ config(materialized='table') }}

-- Each organisation's baseline spread over the months of every ledger year
-- (docs/finance.md, "Baseline"):
--
-- * indexed yearly cost = yearly_cost_eur x (1 + indexation_pct / 100)
--   ^ (year - baseline_year), compounded per year, exact numeric;
-- * a month's exact share = indexed yearly cost / 12 x member_days /
--   days_in_month: nothing before joined_on, the joining month by its days;
-- * cents by cumulative rounding within the year: baseline_cost_eur =
--   round(exact year-to-date through this month, 2) - round(exact
--   year-to-date through last month, 2), so the months of a year add up to
--   the rounded yearly (or part-year) baseline exactly, with no cent lost.

with

organisation_months as (

    select * from {{ ref('int_organisation_months_spanned') }}

),

baselines as (

    select * from {{ ref('stg_files__baselines') }}

),

indexed as (

    select
        organisation_months.month,
        organisation_months.fiscal_year,
        organisation_months.org_code,
        organisation_months.member_days,
        organisation_months.days_in_month,
        baselines.baseline_year,
        baselines.yearly_cost_eur,
        baselines.indexation_pct,
        round(
            power(
                1 + cast(coalesce(baselines.indexation_pct, 0) as numeric(65, 30)) / 100,
                organisation_months.fiscal_year - baselines.baseline_year
            ),
            30
        ) as indexation_factor

    from organisation_months
    inner join baselines
        on organisation_months.org_code = baselines.org_code

),

spread as (

    select
        *,
        yearly_cost_eur * indexation_factor as indexed_yearly_cost_eur,
        round(
            cast(yearly_cost_eur * indexation_factor * member_days as numeric(65, 30))
            / (12 * days_in_month),
            30
        ) as baseline_month_exact_eur

    from indexed

),

cumulated as (

    select
        *,
        sum(baseline_month_exact_eur) over (
            partition by org_code, fiscal_year
            order by month
        ) as baseline_ytd_exact_eur

    from spread

),

final as (

    select
        month,
        fiscal_year,
        org_code,
        member_days,
        days_in_month,
        baseline_year,
        yearly_cost_eur,
        indexation_pct,
        indexation_factor,
        indexed_yearly_cost_eur,
        baseline_month_exact_eur,
        baseline_ytd_exact_eur,
        cast(
            round(baseline_ytd_exact_eur, 2)
            - coalesce(
                lag(round(baseline_ytd_exact_eur, 2)) over (partition by org_code, fiscal_year order by month),
                0
            )
            as numeric(14, 2)
        ) as baseline_cost_eur

    from cumulated

)

select * from final
