-- What the SSC costs each organisation per month and what it saves against
-- its baseline (DESIGN §4.4; docs/finance.md). One row per ledger month and
-- participating organisation. Money is exact numeric throughout; it is
-- rounded to cents once, at the end of its own computation (allocation:
-- largest remainder; baseline: cumulative rounding), and the derived
-- columns are computed from those cent amounts, so what a reader sees adds
-- up: saving = baseline - cost, and saving_ytd = the sum of the year's
-- monthly savings shown.

with

allocated as (

    select * from {{ ref('int_costs_allocated') }}

),

ticket_months as (

    select * from {{ ref('int_ticket_months_aggregated') }}

),

baselines as (

    select * from {{ ref('int_baselines_spread') }}

),

joined as (

    select
        allocated.month,
        allocated.fiscal_year,
        allocated.org_code,
        allocated.allocation_key,
        allocated.allocation_share,
        allocated.ssc_cost_eur,
        coalesce(ticket_months.tickets, 0) as tickets,
        baselines.baseline_cost_eur,
        baselines.baseline_cost_eur - allocated.ssc_cost_eur as saving_eur

    from allocated
    left join ticket_months
        on
            allocated.month = ticket_months.month
            and allocated.org_code = ticket_months.org_code
    left join baselines
        on
            allocated.month = baselines.month
            and allocated.org_code = baselines.org_code

),

final as (

    select
        month,
        org_code,
        allocation_key,
        cast(round(allocation_share, 8) as numeric(11, 8)) as allocation_share,
        cast(ssc_cost_eur as numeric(14, 2)) as ssc_cost_eur,
        cast(tickets as integer) as tickets,
        cast(round(ssc_cost_eur / nullif(tickets, 0), 2) as numeric(14, 2)) as cost_per_ticket_eur,
        cast(baseline_cost_eur as numeric(14, 2)) as baseline_cost_eur,
        cast(saving_eur as numeric(14, 2)) as saving_eur,
        cast(round(100 * saving_eur / nullif(baseline_cost_eur, 0), 2) as numeric(20, 2)) as saving_pct,
        cast(
            sum(saving_eur) over (partition by org_code, fiscal_year order by month)
            as numeric(14, 2)
        ) as saving_ytd_eur

    from joined

)

select * from final
