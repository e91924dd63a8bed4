{{ config(materialized='table') }}

-- Each participant's share of the SSC's cost in each ledger month
-- (docs/finance.md, "Allocation"). Exact numerics (scale 30), never floats;
-- nothing is rounded here.
--
-- 1. An organisation's value under a key: the allocation-keys file's value
--    (inhabitants, workplaces, fixed_pct) times the part of the month it was a
--    member (member_days / days_in_month; 1 except in a mid-month joining
--    month), or for ticket_share its tickets opened in the month.
-- 2. key_share = value under its own key / sum of the values under that key
--    of all participants listed under it; for fixed_pct: value / 100 (a
--    fixed percentage stays fixed).
-- 3. fixed_pct organisations get their key_share; the rest of the cost
--    (1 - sum of the fixed shares) goes to the other participants in
--    proportion to their key_shares (normalised, so that participants on
--    different keys still add up to 100 %).

with

participants as (

    select * from {{ ref('int_organisation_months_spanned') }}
    where is_ledger_month and is_participant

),

allocation_keys as (

    select * from {{ ref('stg_files__allocation_keys') }}

),

ticket_months as (

    select * from {{ ref('int_ticket_months_aggregated') }}

),

key_values as (

    -- every participant's value under every key its year lists for it
    select
        participants.month,
        participants.org_code,
        allocation_keys.allocation_key,
        case
            when allocation_keys.allocation_key = 'ticket_share' then coalesce(ticket_months.tickets, 0)
            else allocation_keys.key_value
        end as key_value,
        case
            when allocation_keys.allocation_key = 'ticket_share'
                then cast(coalesce(ticket_months.tickets, 0) as numeric(65, 30))
            else
                cast(allocation_keys.key_value * participants.member_days as numeric(65, 30))
                / participants.days_in_month
        end as key_weight

    from participants
    inner join allocation_keys
        on
            participants.fiscal_year = allocation_keys.allocation_year
            and participants.org_code = allocation_keys.org_code
    left join ticket_months
        on
            participants.month = ticket_months.month
            and participants.org_code = ticket_months.org_code

),

key_pools as (

    select
        month,
        allocation_key,
        sum(key_weight) as key_pool_weight

    from key_values
    group by month, allocation_key

),

own_key as (

    -- the key the organisation's agreement names; null value = not in the file
    select
        participants.month,
        participants.fiscal_year,
        participants.org_code,
        participants.allocation_key,
        participants.member_days,
        participants.days_in_month,
        key_values.key_value,
        key_values.key_weight,
        key_pools.key_pool_weight,
        case
            when key_values.key_weight is null then null
            when participants.allocation_key = 'fixed_pct' then round(key_values.key_weight / 100, 30)
            else coalesce(round(key_values.key_weight / nullif(key_pools.key_pool_weight, 0), 30), 0)
        end as key_share

    from participants
    left join key_values
        on
            participants.month = key_values.month
            and participants.org_code = key_values.org_code
            and participants.allocation_key = key_values.allocation_key
    left join key_pools
        on
            participants.month = key_pools.month
            and participants.allocation_key = key_pools.allocation_key

),

month_totals as (

    select
        month,
        coalesce(sum(key_share) filter (where allocation_key = 'fixed_pct'), 0) as fixed_share,
        sum(key_share) filter (where allocation_key != 'fixed_pct') as variable_key_share

    from own_key
    group by month

),

shared as (

    select
        own_key.*,
        month_totals.fixed_share,
        month_totals.variable_key_share,
        case
            when own_key.allocation_key = 'fixed_pct' then own_key.key_share
            else
                round(
                    (1 - month_totals.fixed_share) * own_key.key_share
                    / nullif(month_totals.variable_key_share, 0),
                    30
                )
        end as allocation_share

    from own_key
    inner join month_totals
        on own_key.month = month_totals.month

)

select * from shared
