{{ config(materialized='table') }}

-- The SSC's cost of each ledger month shared out in whole cents by the
-- largest-remainder method (docs/finance.md, "Rounding"), so that the
-- organisations' amounts add up exactly to the month's total:
--
-- 1. exact_cents = total_cost_cents x allocation_share (exact numeric);
-- 2. every organisation first gets floor(exact_cents);
-- 3. the cents left over (total - sum of the floors; fewer than the number
--    of organisations) go one each to the organisations with the largest
--    remainders exact_cents - floor(exact_cents), compared to 12 decimals of a
--    cent; equal remainders: the lowest org_code first.

with

shares as (

    select * from {{ ref('int_allocation_shares_computed') }}

),

costs as (

    select * from {{ ref('int_ssc_costs_aggregated') }}

),

exact as (

    select
        shares.month,
        shares.fiscal_year,
        shares.org_code,
        shares.allocation_key,
        shares.allocation_share,
        costs.total_cost_cents,
        costs.total_cost_cents * shares.allocation_share as exact_cents

    from shares
    inner join costs
        on shares.month = costs.month

),

floored as (

    select
        *,
        floor(exact_cents) as floor_cents,
        exact_cents - floor(exact_cents) as remainder_cents

    from exact

),

ranked as (

    select
        *,
        total_cost_cents - sum(floor_cents) over (partition by month) as leftover_cents,
        row_number() over (
            partition by month
            order by round(remainder_cents, 12) desc nulls last, org_code asc
        ) as remainder_rank

    from floored

),

allocated as (

    select
        month,
        fiscal_year,
        org_code,
        allocation_key,
        allocation_share,
        total_cost_cents,
        exact_cents,
        floor_cents,
        remainder_cents,
        leftover_cents,
        remainder_rank,
        remainder_rank <= leftover_cents as gets_extra_cent,
        cast(
            floor_cents + case when remainder_rank <= leftover_cents then 1 else 0 end
            as bigint
        ) as ssc_cost_cents

    from ranked

),

final as (

    select
        *,
        cast(ssc_cost_cents / 100.0 as numeric(14, 2)) as ssc_cost_eur

    from allocated

)

select * from final
