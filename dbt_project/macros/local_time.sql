{#-
    Local (Europe/Amsterdam, var `ssc_timezone`) views of a timestamptz.
    Every SLA clock and every reporting month is local time (DESIGN §5);
    keeping the conversion in one place keeps the zone in one place.
-#}

{% macro to_local_timestamp(ts) -%}
    ({{ ts }} at time zone '{{ var("ssc_timezone") }}')
{%- endmacro %}

{% macro to_local_date(ts) -%}
    cast({{ to_local_timestamp(ts) }} as date)
{%- endmacro %}

{#- First day of the local month of `ts`, as a date. -#}
{% macro to_local_month(ts) -%}
    cast(date_trunc('month', {{ to_local_timestamp(ts) }}) as date)
{%- endmacro %}

{#- The instant (timestamptz) at which the local month starting on date `month` ends. -#}
{% macro local_month_end(month) -%}
    (cast({{ month }} + interval '1 month' as timestamp) at time zone '{{ var("ssc_timezone") }}')
{%- endmacro %}
