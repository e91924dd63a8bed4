{{ config(tags=['finance']) }}

-- Every month of the SSC's cost ledger is allocated exactly, to the cent:
-- the organisations' ssc_cost_eur in cost_savings_monthly add up to the
-- SSC's total of the month. A ledger month with no rows in the mart (no
-- participants) fails too.

with

ledger as (

    select
        month,
        total_cost_eur
    from {{ ref('int_ssc_costs_aggregated') }}

),

allocated as (

    select
        month,
        sum(ssc_cost_eur) as allocated_cost_eur
    from {{ ref('cost_savings_monthly') }}
    group by month

)

select
    coalesce(ledger.month, allocated.month) as month,
    ledger.total_cost_eur,
    allocated.allocated_cost_eur

from ledger
full outer join allocated
    on ledger.month = allocated.month
where ledger.total_cost_eur is distinct from allocated.allocated_cost_eur
