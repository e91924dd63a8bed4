{#-
    Business-minute index of a timestamp: the number of business minutes of
    the calendar from its first day up to `ts` (DESIGN §5, O(1) per ticket).

        bm(t) = cum_business_minutes_before(local date of t)
              + least(greatest(local minute of day(t) - open_start_minute, 0), business_minutes)

    `calendar` is the alias of a row of int_business_days_indexed joined on
    the calendar in force and the local date of `ts`; the caller joins one
    alias per timestamp (opened, responded, resolved, ...), so elapsed
    business time is simply bm(end) - bm(start), with no loop over days.
    A closed day has business_minutes 0 and contributes nothing; a moment
    before opening counts as the opening, after closing as the closing, so a
    ticket opened outside hours starts at the next opening.
    Null when the calendar has no row for that date (outside its span).
-#}
{% macro business_minute_index(ts, calendar) -%}
    (
        {{ calendar }}.cum_business_minutes_before
        + least(
            greatest({{ local_minute_of_day(ts) }} - coalesce({{ calendar }}.open_start_minute, 0), 0),
            {{ calendar }}.business_minutes
        )
    )
{%- endmacro %}
