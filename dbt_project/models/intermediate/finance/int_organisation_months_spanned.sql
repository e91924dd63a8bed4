-- One row per organisation of organisations.yml (stg_registry__organisations)
-- and month of every year the cost ledger touches (January to December, ledger months or not:
-- the baseline's cumulative rounding runs from January). Says how many days
-- of the month the organisation was a member (from joined_on) and whether it
-- takes part in that month's cost allocation: a participant has joined by the
-- month's last day and is listed in the allocation keys of the month's year.

with

organisations as (

    select * from {{ ref('stg_registry__organisations') }}

),

ledger_months as (

    select
        month,
        fiscal_year
    from {{ ref('int_ssc_costs_aggregated') }}

),

allocation_years as (

    -- an organisation is in a year's allocation when the keys name it at all
    select distinct
        allocation_year,
        org_code
    from {{ ref('stg_files__allocation_keys') }}

),

fiscal_years as (

    select distinct fiscal_year from ledger_months

),

months as (

    select
        fiscal_years.fiscal_year,
        cast(series.month_start as date) as month
    from fiscal_years
    cross join lateral generate_series(
        make_date(fiscal_years.fiscal_year, 1, 1),
        make_date(fiscal_years.fiscal_year, 12, 1),
        interval '1 month'
    ) as series (month_start)

),

spanned as (

    select
        months.month,
        months.fiscal_year,
        organisations.org_code,
        organisations.joined_on,
        organisations.allocation_key,
        cast(months.month + interval '1 month' - interval '1 day' as date) as month_end

    from months
    cross join organisations

),

measured as (

    select
        *,
        month_end - month + 1 as days_in_month,
        greatest(month_end - greatest(joined_on, month) + 1, 0) as member_days

    from spanned

),

final as (

    select
        measured.month,
        measured.fiscal_year,
        measured.org_code,
        measured.joined_on,
        measured.allocation_key,
        measured.month_end,
        measured.days_in_month,
        measured.member_days,
        measured.member_days > 0 as has_joined,
        allocation_years.org_code is not null as has_allocation_keys,
        measured.member_days > 0 and allocation_years.org_code is not null as is_participant,
        ledger_months.month is not null as is_ledger_month

    from measured
    left join allocation_years
        on
            measured.fiscal_year = allocation_years.allocation_year
            and measured.org_code = allocation_years.org_code
    left join ledger_months
        on measured.month = ledger_months.month

)

select * from final
