{{
    config(
        materialized='table',
        indexes=[
            {'columns': ['calendar_id', 'calendar_date'], 'unique': true},
            {'columns': ['calendar_id', 'utc_midnight_at'], 'unique': true},
            {'columns': ['calendar_key', 'utc_midnight_at'], 'unique': true},
        ]
    )
}}

-- One row per (calendar, local date) with the business minutes of that day and
-- the cumulative business minutes before it: the index behind every SLA clock
-- (macro business_minute_index; DESIGN §5). Minutes are true elapsed minutes:
-- opening and closing are local wall-clock times turned into instants, so a
-- 24x7 day has 1380 minutes on the spring DST Sunday and 1500 on the autumn one.

with

calendars as (

    select * from {{ ref('business_calendars') }}

),

opening_hours as (

    select * from {{ ref('business_calendar_hours') }}

),

public_holidays as (

    select * from {{ ref('dutch_public_holidays') }}

),

closed_days as (

    select * from {{ ref('business_calendar_closed_days') }}

),

dates as (

    select cast(series_day as date) as calendar_date
    from generate_series(
        -- timestamp without time zone: one row per date whatever the session's TimeZone
        cast('{{ var("calendar_start_date") }}' as timestamp),
        cast('{{ var("calendar_end_date") }}' as timestamp),
        interval '1 day'
    ) as date_series (series_day)

),

calendar_days as (

    select
        calendars.calendar_id,
        calendars.calendar_key,
        dates.calendar_date,
        cast(extract(isodow from dates.calendar_date) as integer) as iso_weekday,
        public_holidays.holiday_name,
        closed_days.reason as closed_reason,
        (
            (coalesce(calendars.closed_on_public_holidays, true) and public_holidays.holiday_date is not null)
            or closed_days.closed_date is not null
        ) as is_closed_day,
        opening_hours.open_time,
        opening_hours.close_time

    from calendars
    cross join dates
    left join opening_hours
        on
            calendars.calendar_id = opening_hours.calendar_id
            and extract(isodow from dates.calendar_date) = opening_hours.iso_weekday
    left join public_holidays
        on dates.calendar_date = public_holidays.holiday_date
    left join closed_days
        on
            calendars.calendar_id = closed_days.calendar_id
            and dates.calendar_date = closed_days.closed_date

),

business_days as (

    select
        calendar_id,
        calendar_key,
        calendar_date,
        iso_weekday,
        holiday_name,
        closed_reason,
        coalesce(not is_closed_day and open_time is not null, false) as is_business_day,
        -- local wall-clock times on this date as instants (close_time 24:00 = next midnight)
        case
            when not is_closed_day
                then (calendar_date + open_time) at time zone '{{ var("ssc_timezone") }}'
        end as opens_at,
        case
            when not is_closed_day
                then (calendar_date + close_time) at time zone '{{ var("ssc_timezone") }}'
        end as closes_at,
        cast(calendar_date as timestamp) at time zone '{{ var("ssc_timezone") }}' as day_starts_at,
        cast(calendar_date + 1 as timestamp) at time zone '{{ var("ssc_timezone") }}' as day_ends_at,
        -- the row is looked up by the UTC date of a timestamp (see macro business_minute_index)
        cast(calendar_date as timestamp) at time zone 'UTC' as utc_midnight_at

    from calendar_days

),

indexed as (

    select
        calendar_id,
        calendar_key,
        calendar_date,
        iso_weekday,
        is_business_day,
        holiday_name,
        closed_reason,
        opens_at,
        closes_at,
        -- true elapsed minutes between opening and closing (a DST night counts as it was)
        coalesce(cast(date_part('epoch', closes_at - opens_at) / 60 as integer), 0) as business_minutes,
        coalesce(cast(
            sum(date_part('epoch', closes_at - opens_at) / 60) over (
                partition by calendar_id
                order by calendar_date
                rows between unbounded preceding and 1 preceding
            ) as integer
        ), 0) as cum_business_minutes_before,
        day_starts_at,
        day_ends_at,
        utc_midnight_at

    from business_days

),

with_next_day as (

    select
        *,
        -- the next local date's opening: the last hour(s) of this UTC date belong to it
        lead(opens_at) over (partition by calendar_id order by calendar_date) as next_opens_at,
        lead(closes_at) over (partition by calendar_id order by calendar_date) as next_closes_at,
        lead(business_minutes) over (partition by calendar_id order by calendar_date) as next_business_minutes

    from indexed

),

final as (

    select
        *,
        -- precomputed for the clock (macro business_minute_index): one column read instead of a sum
        cum_business_minutes_before + business_minutes as cum_business_minutes_after,
        -- the next local date's opening only when it falls within this UTC date (24x7 calendars,
        -- openings before 01:00/02:00 local); null for office hours, so the clock decides
        -- "closed for the rest of this UTC date" without comparing timestamps
        case
            when next_opens_at < utc_midnight_at + interval '1 day' then next_opens_at
        end as next_opens_same_utc_day_at

    from with_next_day

)

select * from final
