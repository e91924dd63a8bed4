{#-
    Fails for every pair of rows with the same `partition_by` columns (compared
    as rows with `is not distinct from`, so nulls compare equal: an empty
    service_code is one "any service" partition) whose validity periods share a
    day: [valid_from, valid_to], both inclusive, valid_to null = open-ended. A
    history of validity periods (organisation_agreements, sla_targets) must say
    which row is in force on any day; two at once would make it a coin toss.
-#}
{% test periods_do_not_overlap(model, partition_by) %}

    select
        earlier.*,
        later.valid_from as overlapping_valid_from

    from {{ model }} as earlier
    inner join {{ model }} as later
        on
            (earlier.{{ partition_by | join(', earlier.') }})
            is not distinct from (later.{{ partition_by | join(', later.') }})
            and earlier.valid_from < later.valid_from
            and (earlier.valid_to is null or earlier.valid_to >= later.valid_from)

{% endtest %}
