-- The real calendars, holidays seed and index macro together give the business
-- minutes an auditor would count by hand (returns the cases that differ).
-- Local time is UTC+1 in winter and UTC+2 in summer (from 29 March to 25 October 2026).
with

cases as (

    select *
    from (
        values
        -- Fri 16:30 -> Mon 09:15 local: 30 + 75
        (
            'weekend', 'STANDAARD',
            cast('2026-11-20 16:30:00+01' as timestamptz),
            cast('2026-11-23 09:15:00+01' as timestamptz),
            105
        ),
        -- Sat 10:00 -> Mon 08:45: the clock starts at Monday's opening
        (
            'opened on saturday', 'STANDAARD',
            cast('2026-11-21 10:00:00+01' as timestamptz),
            cast('2026-11-23 08:45:00+01' as timestamptz),
            45
        ),
        -- Thu 24 Dec 16:00 -> Mon 28 Dec 09:00: Eerste and Tweede kerstdag closed
        (
            'christmas', 'STANDAARD',
            cast('2026-12-24 16:00:00+01' as timestamptz),
            cast('2026-12-28 09:00:00+01' as timestamptz),
            120
        ),
        -- Wed 13 May 16:00 -> Fri 15 May 09:00 2026: Hemelvaartsdag (Thu) closed
        (
            'ascension day', 'STANDAARD',
            cast('2026-05-13 16:00:00+02' as timestamptz),
            cast('2026-05-15 09:00:00+02' as timestamptz),
            120
        ),
        -- Fri 24 Apr 16:00 -> Tue 28 Apr 09:00 2026: Koningsdag (Mon 27 Apr) closed
        (
            'kings day', 'STANDAARD',
            cast('2026-04-24 16:00:00+02' as timestamptz),
            cast('2026-04-28 09:00:00+02' as timestamptz),
            120
        ),
        -- across the DST switch (Sun 29 Mar 2026): Fri 16:00 CET -> Mon 09:00 CEST
        (
            'dst spring office hours', 'STANDAARD',
            cast('2026-03-27 16:00:00+01' as timestamptz),
            cast('2026-03-30 09:00:00+02' as timestamptz),
            120
        ),
        -- within one day, before opening to after closing: the whole day
        (
            'whole day', 'STANDAARD',
            cast('2026-11-24 06:00:00+01' as timestamptz),
            cast('2026-11-24 19:00:00+01' as timestamptz),
            540
        ),
        -- a full working week: Mon 08:00 -> next Mon 08:00
        (
            'week', 'STANDAARD',
            cast('2026-11-16 08:00:00+01' as timestamptz),
            cast('2026-11-23 08:00:00+01' as timestamptz),
            2700
        ),
        -- seconds are dropped: 08:00:59 counts as 08:00, 08:10:30 as 08:10
        (
            'whole minutes', 'STANDAARD',
            cast('2026-11-24 08:00:59+01' as timestamptz),
            cast('2026-11-24 08:10:30+01' as timestamptz),
            10
        ),
        -- 24x7, Sat 28 Mar 22:00 CET -> Sun 29 Mar 06:00 CEST: 7 real hours (not 8)
        (
            '24x7 dst spring', '24X7',
            cast('2026-03-28 22:00:00+01' as timestamptz),
            cast('2026-03-29 06:00:00+02' as timestamptz),
            420
        ),
        -- 24x7, Sat 24 Oct 22:00 CEST -> Sun 25 Oct 06:00 CET: 9 real hours (not 8)
        (
            '24x7 dst autumn', '24X7',
            cast('2026-10-24 22:00:00+02' as timestamptz),
            cast('2026-10-25 06:00:00+01' as timestamptz),
            540
        ),
        -- 24x7 across local midnight in summer (22:30 UTC is already the next local date)
        (
            '24x7 local midnight', '24X7',
            cast('2026-06-01 23:30:00+02' as timestamptz),
            cast('2026-06-02 00:45:00+02' as timestamptz),
            75
        ),
        -- 24x7 is open on public holidays: Eerste kerstdag 10:00 -> 12:00
        (
            '24x7 holiday', '24X7',
            cast('2026-12-25 10:00:00+01' as timestamptz),
            cast('2026-12-25 12:00:00+01' as timestamptz),
            120
        ),
        -- 24x7 over the whole spring DST weekend: Fri 12:00 CET -> Mon 12:00 CEST = 71 hours
        (
            '24x7 dst weekend', '24X7',
            cast('2026-03-27 12:00:00+01' as timestamptz),
            cast('2026-03-30 12:00:00+02' as timestamptz),
            4260
        )
    ) as known (case_name, calendar_id, started_at, ended_at, expected_minutes)

),

calendar as (

    select * from {{ ref('int_business_days_indexed') }}

),

computed as (

    select
        cases.case_name,
        cases.expected_minutes,
        {{ business_minute_index('cases.ended_at', 'end_day') }}
        - {{ business_minute_index('cases.started_at', 'start_day') }} as computed_minutes

    from cases
    {{ business_day_join('start_day', 'cases.started_at', 'cases.calendar_id', key_column='calendar_id') }}
    {{ business_day_join('end_day', 'cases.ended_at', 'cases.calendar_id', key_column='calendar_id') }}

)

select * from computed
where computed_minutes is distinct from expected_minutes
