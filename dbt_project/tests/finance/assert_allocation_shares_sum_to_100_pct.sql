{{ config(tags=['finance']) }}

-- The allocation shares of every month of a year add up to 100 %: the
-- participants' exact shares (int_allocation_shares_computed) sum to 1 per
-- month (to 1e-20; the shares are exact to 30 decimals). Fails naming the
-- month when they do not - e.g. a participant without a value for its own key
-- (null share), fixed percentages over 100 %, or only fixed_pct participants
-- whose percentages leave part of the cost to nobody.

with

shares as (

    select * from {{ ref('int_allocation_shares_computed') }}

),

month_sums as (

    select
        month,
        sum(allocation_share) as share_total,
        count(*) as participants,
        count(*) filter (where allocation_share is null) as shares_missing

    from shares
    group by month

)

select * from month_sums
where shares_missing > 0 or abs(share_total - 1) > 1e-20
