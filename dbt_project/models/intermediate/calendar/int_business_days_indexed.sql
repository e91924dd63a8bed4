{{
    config(
        materialized='table',
        indexes=[{'columns': ['calendar_id', 'calendar_date'], 'unique': true}]
    )
}}

-- One row per (calendar, local date) with the business minutes of that day and
-- the cumulative business minutes before it: the index behind every SLA clock
-- (macro business_minute_index; DESIGN §5).

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
        dates.calendar_date,
        cast(extract(isodow from dates.calendar_date) as integer) as iso_weekday,
        public_holidays.holiday_name,
        closed_days.reason as closed_reason,
        (
            (coalesce(calendars.closed_on_public_holidays, true) and public_holidays.holiday_date is not null)
            or closed_days.closed_date is not null
        ) as is_closed_day,
        cast(extract(epoch from opening_hours.open_time) / 60 as integer) as opening_minute,
        cast(extract(epoch from opening_hours.close_time) / 60 as integer) as closing_minute

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
        calendar_date,
        iso_weekday,
        holiday_name,
        closed_reason,
        coalesce(not is_closed_day and opening_minute is not null, false) as is_business_day,
        case when not is_closed_day then opening_minute end as open_start_minute,
        case when not is_closed_day then closing_minute end as open_end_minute

    from calendar_days

),

indexed as (

    select
        calendar_id,
        calendar_date,
        iso_weekday,
        is_business_day,
        holiday_name,
        closed_reason,
        open_start_minute,
        open_end_minute,
        coalesce(open_end_minute - open_start_minute, 0) as business_minutes,
        coalesce(
            sum(coalesce(open_end_minute - open_start_minute, 0)) over (
                partition by calendar_id
                order by calendar_date
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as cum_business_minutes_before

    from business_days

)

select * from indexed
