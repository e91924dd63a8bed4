{#-
    Business-minute index of a timestamp: the number of business minutes of
    the calendar from its first day up to `ts` (DESIGN §5, O(1) per ticket).

        bm(t) = cum_business_minutes_before(local date of t)
              + clamp(t - opens_at(local date of t), 0, closes_at - opens_at)

    in true elapsed minutes (opens_at and closes_at are instants, so a DST
    night counts as long as it really was). Elapsed business time between
    two moments is bm(end) - bm(start): one calendar lookup per timestamp and
    a subtraction, no loop over days or minutes. A closed day has
    business_time 0 and contributes nothing; a moment before opening counts
    as the opening, after closing as the closing, so a ticket opened outside
    hours starts at the next opening. Seconds are dropped (`whole_minute`),
    so every clock is a whole number of minutes.

    `day` is the alias of the row of int_business_days_indexed joined on the
    calendar in force and the UTC date of `ts`:

        left join calendar as opened_day
            on  tickets.calendar_id = opened_day.calendar_id
            and {{ utc_day('tickets.opened_at') }} = opened_day.utc_midnight_at

    Why the UTC date and not the local one: turning every timestamp into local
    time costs more than the rest of the clock together (see bench/README.md),
    while the UTC date is integer arithmetic. Europe/Amsterdam is 1 or 2 hours
    ahead of UTC, so UTC date D holds local date D up to its end (day_ends_at,
    local midnight) and then the first hour(s) of local date D + 1, whose
    opening the row carries as next_opens_at / next_business_time. A test on
    int_business_days_indexed fails should the zone ever be behind UTC.
    Null when the calendar has no row for that date (outside its span).
-#}
{% macro business_minute_index(ts, day) -%}
    cast(
        case
            when {{ ts }} < {{ day }}.day_ends_at
                then {{ day }}.cum_business_minutes_before + date_part(
                    'epoch',
                    least(greatest({{ whole_minute(ts) }} - {{ day }}.opens_at, interval '0'), {{ day }}.business_time)
                ) / 60
            else {{ day }}.cum_business_minutes_before + {{ day }}.business_minutes + date_part(
                'epoch',
                least(
                    greatest({{ whole_minute(ts) }} - {{ day }}.next_opens_at, interval '0'),
                    {{ day }}.next_business_time
                )
            ) / 60
        end
        as integer
    )
{%- endmacro %}

{#- The UTC midnight starting the UTC date of `ts`: the lookup key of int_business_days_indexed. -#}
{% macro utc_day(ts) -%}
    date_bin(interval '1 day', {{ ts }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{#- `ts` with its seconds dropped (clocks count whole minutes; the zone's offset is whole hours). -#}
{% macro whole_minute(ts) -%}
    date_bin(interval '1 minute', {{ ts }}, timestamptz '2000-01-01 00:00:00+00')
{%- endmacro %}

{#-
    Business minutes of the part of the interval [start_index, end_index) that
    lies within [from_index, to_index), all business-minute indexes; 0 when
    they do not overlap. An end_index null means "not ended" (still running);
    a start_index null (no interval, e.g. from an outer join) counts 0.
    Because the index never decreases, clipping indexes is clipping time:
    this is how a hold interval is counted within a clock.
-#}
{% macro overlap_minutes(start_index, end_index, from_index, to_index) -%}
    case
        -- no hold (the row of an outer join): nothing on hold
        when {{ start_index }} is null then 0
        else greatest(
            least(coalesce({{ end_index }}, {{ to_index }}), {{ to_index }}) - greatest({{ start_index }}, {{ from_index }}),
            0
        )
    end
{%- endmacro %}
