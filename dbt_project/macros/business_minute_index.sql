{#-
    Business-minute index of a timestamp: the number of business minutes of
    the calendar from its first day up to `ts` (DESIGN §5, O(1) per ticket).

        bm(t) = cum_business_minutes_before(local date of t)
              + clamp(t - opens_at(local date of t), 0, business_minutes)

    in true elapsed minutes (opens_at and closes_at are instants, so a DST
    night counts as long as it really was). Elapsed business time between
    two moments is bm(end) - bm(start): one calendar lookup per timestamp and
    a subtraction, no loop over days or minutes. A closed day contributes
    nothing; a moment before opening counts as the opening, after closing as
    the closing, so a ticket opened outside hours starts at the next opening.
    Seconds are dropped (floor to whole minutes; openings are whole minutes),
    so every clock is a whole number of minutes.

    `day` is the alias of the row of int_business_days_indexed joined on the
    calendar in force and the UTC date of `ts` (macro business_day_join below):

        {{ business_day_join('opened_day', 'tickets.opened_at', 'tickets.calendar_key') }}

    Why the UTC date and not the local one: turning every timestamp into
    local time costs more than the rest of the clock together (see
    bench/README.md), while the UTC date is integer arithmetic (date_bin).
    Europe/Amsterdam is 1 or 2 hours ahead of UTC, so UTC date D holds local
    date D up to its end (day_ends_at, local midnight) and then the first
    hour(s) of local date D + 1, whose opening the row carries along
    (next_opens_at, next_closes_at, next_business_minutes). A test on
    int_business_days_indexed fails should the zone ever be behind UTC.

    The CASE walks through the UTC date in the order a moment most often
    falls (it stops at the first true branch; every timestamp comparison is
    a function call, so fewer of them is the speed of the clock, see
    bench/sla_clock.py): before opening; within opening hours (the only case
    with arithmetic); then, when the next local date does not open within
    this UTC date (next_opens_same_utc_day_at null: every office calendar),
    closed for the rest of it without a further comparison; otherwise closed
    until, or within, the next local date's opening hours. A closed day has
    no opens_at/closes_at (comparisons with null are not true) and the same
    cumulative minutes before and after. Null when the calendar has no row
    for that date (outside its span).
-#}
{% macro business_minute_index(ts, day) -%}
    case
        when {{ ts }} < {{ day }}.opens_at
            then {{ day }}.cum_business_minutes_before
        when {{ ts }} < {{ day }}.closes_at
            then {{ day }}.cum_business_minutes_before + {{ minutes_between(day ~ '.opens_at', ts) }}
        when {{ day }}.next_opens_same_utc_day_at is null
            then {{ day }}.cum_business_minutes_after
        when {{ ts }} < {{ day }}.next_opens_same_utc_day_at
            then {{ day }}.cum_business_minutes_after
        when {{ ts }} < {{ day }}.next_closes_at
            then {{ day }}.cum_business_minutes_after + {{ minutes_between(day ~ '.next_opens_at', ts) }}
        else {{ day }}.cum_business_minutes_after + {{ day }}.next_business_minutes
    end
{%- endmacro %}

{#-
    The join business_minute_index(ts, day) reads: the row `day` of `calendar`
    (a CTE of int_business_days_indexed) of the calendar `calendar_key` (an
    expression matched with the row's `key_column`) on the UTC date of `ts`.
-#}
{% macro business_day_join(day, ts, calendar_key, key_column='calendar_key', calendar='calendar') -%}
    left join {{ calendar }} as {{ day }}
        on
            {{ calendar_key }} = {{ day }}.{{ key_column }}
            and {{ utc_day(ts) }} = {{ day }}.utc_midnight_at
{%- endmacro %}

{#- Whole minutes from `start` to a later `ts` (seconds dropped). -#}
{% macro minutes_between(start, ts) -%}
    cast(floor(date_part('epoch', {{ ts }} - {{ start }}) / 60) as integer)
{%- endmacro %}

{#- The UTC midnight that starts the UTC date of `ts`: the lookup key of int_business_days_indexed. -#}
{% macro utc_day(ts) -%}
    date_bin(interval '1 day', {{ ts }}, timestamptz '2000-01-01 00:00:00+00')
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
