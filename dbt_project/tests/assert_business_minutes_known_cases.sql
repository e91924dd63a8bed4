-- The real default calendar, holidays seed and macro together give the
-- business minutes an auditor would count by hand (returns the cases that differ).
with

cases as (

    select *
    from (
        values
        -- Fri 16:30 -> Mon 09:15 local: 30 + 75
        (
            'weekend',
            cast('2026-11-20 16:30:00+01' as timestamptz),
            cast('2026-11-23 09:15:00+01' as timestamptz),
            105
        ),
        -- Sat 10:00 -> Mon 08:45: the clock starts at Monday's opening
        (
            'opened on saturday',
            cast('2026-11-21 10:00:00+01' as timestamptz),
            cast('2026-11-23 08:45:00+01' as timestamptz),
            45
        ),
        -- Thu 24 Dec 16:00 -> Mon 28 Dec 09:00: Eerste kerstdag (Fri) closed
        (
            'christmas',
            cast('2026-12-24 16:00:00+01' as timestamptz),
            cast('2026-12-28 09:00:00+01' as timestamptz),
            120
        ),
        -- Wed 13 May 16:00 -> Fri 15 May 09:00 2026: Hemelvaartsdag (Thu) closed
        (
            'ascension day',
            cast('2026-05-13 16:00:00+02' as timestamptz),
            cast('2026-05-15 09:00:00+02' as timestamptz),
            120
        ),
        -- across the DST switch (Sun 29 Mar 2026): Fri 16:00 CET -> Mon 09:00 CEST
        (
            'dst spring',
            cast('2026-03-27 16:00:00+01' as timestamptz),
            cast('2026-03-30 09:00:00+02' as timestamptz),
            120
        ),
        -- within one day, before opening to after closing: the whole day
        (
            'whole day',
            cast('2026-11-24 06:00:00+01' as timestamptz),
            cast('2026-11-24 19:00:00+01' as timestamptz),
            540
        ),
        -- a full working week: Mon 08:00 -> next Mon 08:00
        (
            'week',
            cast('2026-11-16 08:00:00+01' as timestamptz),
            cast('2026-11-23 08:00:00+01' as timestamptz),
            2700
        )
    ) as known (case_name, started_at, ended_at, expected_minutes)

),

calendar as (

    select * from {{ ref('int_business_days_indexed') }}
    where calendar_id = 'STANDAARD'

),

computed as (

    select
        cases.case_name,
        cases.expected_minutes,
        {{ business_minute_index('cases.ended_at', 'end_day') }}
        - {{ business_minute_index('cases.started_at', 'start_day') }} as computed_minutes

    from cases
    left join calendar as start_day
        on {{ to_local_date('cases.started_at') }} = start_day.calendar_date
    left join calendar as end_day
        on {{ to_local_date('cases.ended_at') }} = end_day.calendar_date

)

select * from computed
where computed_minutes is distinct from expected_minutes
