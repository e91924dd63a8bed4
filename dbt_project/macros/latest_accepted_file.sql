{#-
    The CTEs of a staging model of file drops in which a later file replaces
    earlier ones, from `source` to `latest_load`: the rows of the raw table
    `relation` that the latest accepted load (by landed_at, then load_id) per
    `partition_by` (a list of columns) landed -- a later file replaces every
    row of the partitions it carries and leaves the others alone.
    unprocessed_only: on an incremental night, read only the unprocessed loads
    (macro accepted_load_rows).
-#}
{% macro latest_accepted_file(relation, partition_by, unprocessed_only=false) %}
source as (

    {{ accepted_load_rows(relation, unprocessed_only=unprocessed_only) }}

),

ranked as (

    select
        *,
        first_value(load_id) over (
            partition by {{ partition_by | join(', ') }}
            order by landed_at desc, load_id desc
        ) as latest_load_id

    from source

),

latest_load as (

    select * from ranked
    where load_id = latest_load_id

)
{%- endmacro %}
