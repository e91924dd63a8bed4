{#-
    Nightly increments of the ticket chain (docs/incremental.md).

    The models tagged `nightly_increment` rebuild on a normal night only the
    tickets that changed, and give exactly the rows a full refresh would:

    * int_loads_registered is the ledger of accepted loads: the build that first
      saw a load accepted registers it; the build that carried it through the
      whole chain marks it processed (on-run-end, mark_loads_processed).
    * Staging tables take the rows of the unprocessed loads only and keep a
      version where it is later than the one they already hold.
    * int_tickets_rebuilt lists the tickets whose rows the chain rebuilds tonight:
      those touched by an unprocessed load, and those whose clocks still run
      (judged at data_as_of) when their organisation's data_as_of has moved.
    * A model whose lineage changed (its SQL, an upstream model's, a seed, a
      macro, a var), or whose ledger was rebuilt, is fully refreshed by itself:
      should_full_refresh() below compares a fingerprint of the lineage with the
      one recorded when the model was last built (intermediate.incremental_lineage).

    One build at a time per warehouse (the transform DAG runs one at a time).
-#}

{#- Where each incremental model's lineage fingerprint is kept between builds. -#}
{% macro incremental_lineage_relation() -%}
    {{ return(api.Relation.create(database=target.database, schema='intermediate',
                                  identifier='incremental_lineage')) }}
{%- endmacro %}


{#- on-run-start: the bookkeeping table exists before any model asks for it. -#}
{% macro create_incremental_lineage() %}
    {% if execute and flags.WHICH in ('build', 'run', 'retry') %}
        create table if not exists {{ incremental_lineage_relation() }} (
            model_name text primary key,
            lineage_fingerprint text not null,
            built_at timestamptz not null,
            invocation_id text not null
        )
    {% else %}
        select 1
    {% endif %}
{% endmacro %}


{#-
    A digest of everything that decides a model's rows, other than the raw data:
    the model's own SQL and that of every upstream model and seed (file
    checksums; a seed's column types too), the project macros they call, the
    vars the models read, the ledger's epoch (rebuilt ledger = every load new
    again), and for a model that names one in meta.fingerprint_macro, a value
    of its data (int_open_tickets_aged: the months with activity).
-#}
{% macro lineage_fingerprint() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {#- asked up to four times per model and build (compile, pre-hook, materialisation,
        post-hook), and its queries are not free: memoised for this invocation in the
        one dict dbt shares between nodes -#}
    {%- set memo = graph.setdefault('_ssc_lineage_fingerprints', {}) -%}
    {%- set memo_key = invocation_id ~ ' ' ~ model.unique_id -%}
    {%- if memo_key in memo -%}
        {{ return(memo[memo_key]) }}
    {%- endif -%}
    {%- set queue = [model.unique_id] -%}
    {%- set seen = [] -%}
    {%- set macro_queue = [] -%}
    {%- set parts = [] -%}
    {%- for unique_id in queue -%}
        {%- if unique_id not in seen -%}
            {%- do seen.append(unique_id) -%}
            {%- set node = graph.nodes.get(unique_id) -%}
            {%- if node is not none -%}
                {%- set extra = (node.config.column_types | tojson) if node.resource_type == 'seed' else '' -%}
                {%- do parts.append(unique_id ~ '=' ~ node.checksum.checksum ~ extra) -%}
                {%- for parent in node.depends_on.nodes -%}
                    {%- do queue.append(parent) -%}
                {%- endfor -%}
                {%- for macro_id in node.depends_on.macros -%}
                    {%- do macro_queue.append(macro_id) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for macro_id in macro_queue -%}
        {%- if macro_id not in seen and macro_id.startswith('macro.' ~ project_name ~ '.') -%}
            {%- do seen.append(macro_id) -%}
            {%- set macro = context[macro_id.split('.')[-1]].macro -%}
            {%- do parts.append(macro_id ~ '=' ~ local_md5(macro.macro_sql)) -%}
            {%- for called in macro.depends_on.macros -%}
                {%- do macro_queue.append(called) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name in ['ssc_timezone', 'calendar_start_date', 'calendar_end_date', 'ticket_entities'] -%}
        {%- do parts.append('var.' ~ name ~ '=' ~ (var(name) | string)) -%}
    {%- endfor -%}
    {%- if model.name != 'int_loads_registered' -%}
        {%- set ledger = graph.nodes['model.' ~ project_name ~ '.int_loads_registered'] -%}
        {%- if adapter.get_relation(ledger.database, ledger.schema, ledger.alias) is not none -%}
            {%- set epoch = single_value('select min(registered_at) from ' ~ ledger.relation_name) -%}
            {%- do parts.append('ledger epoch=' ~ epoch) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set fingerprint_macro = (model.config.meta or {}).get('fingerprint_macro') -%}
    {%- if fingerprint_macro -%}
        {%- do parts.append(fingerprint_macro ~ '=' ~ single_value(context[fingerprint_macro]())) -%}
    {%- endif -%}
    {%- set fingerprint = local_md5(parts | sort | join('\n')) -%}
    {%- do memo.update({memo_key: fingerprint}) -%}
    {{ return(fingerprint) }}
{% endmacro %}


{#- The one value of a one-row, one-column query ('' when the relation is not there yet). -#}
{% macro single_value(sql) %}
    {%- set result = run_query(sql) -%}
    {{ return(result.columns[0].values()[0] | string if result and result.rows | length else '') }}
{% endmacro %}


{#-
    dbt's own should_full_refresh(), plus: a `nightly_increment` model is fully
    refreshed when its lineage fingerprint differs from the one recorded at its
    last build (or none was), and the ledger when a load it registered is no
    longer accepted (then every model downstream follows, by the ledger epoch).
-#}
{% macro should_full_refresh() %}
    {%- set config_full_refresh = config.get('full_refresh') -%}
    {%- if config_full_refresh is none -%}
        {%- set config_full_refresh = flags.FULL_REFRESH -%}
    {%- endif -%}
    {%- if config_full_refresh or not execute or 'nightly_increment' not in (model.tags or []) -%}
        {{ return(config_full_refresh) }}
    {%- endif -%}
    {%- if adapter.get_relation(target.database, 'intermediate', 'incremental_lineage') is none -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set recorded = single_value(
        "select lineage_fingerprint from " ~ incremental_lineage_relation()
        ~ " where model_name = '" ~ model.name ~ "'") -%}
    {%- if recorded != lineage_fingerprint() -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set is_ledger = model.name == 'int_loads_registered' -%}
    {%- if is_ledger and adapter.get_relation(this.database, this.schema, this.identifier) -%}
        {%- set withdrawn = single_value(
            "select count(*) from " ~ this ~ " as registered join " ~ ref('stg_audit__loads')
            ~ " as loads using (load_id) where not loads.is_accepted") -%}
        {{ return(withdrawn != '0') }}
    {%- endif -%}
    {{ return(false) }}
{% endmacro %}


{#- post-hook of every nightly_increment model, in its own transaction. -#}
{% macro record_lineage_fingerprint() %}
    insert into {{ incremental_lineage_relation() }} (model_name, lineage_fingerprint, built_at, invocation_id)
    values ('{{ model.name }}', '{{ lineage_fingerprint() }}', now(), '{{ invocation_id }}')
    on conflict (model_name) do update set
        lineage_fingerprint = excluded.lineage_fingerprint,
        built_at = excluded.built_at,
        invocation_id = excluded.invocation_id
{% endmacro %}


{#- The accepted loads the chain has not carried through yet (the model must ref the ledger). -#}
{% macro unprocessed_loads() -%}
    select registered.load_id from {{ ref('int_loads_registered') }} as registered
    where registered.processed_at is null
{%- endmacro %}


{#-
    (org_code, ticket_id) of every ticket an unprocessed load changed: the staging
    rows (latest versions) that came from such a load. A load whose version of a
    ticket is older than the one kept changes nothing, and lists nothing.
-#}
{% macro tickets_touched(entities=['topdesk', 'servicenow', 'files', 'file_holds']) -%}
    {%- set models = {
        'topdesk': 'stg_topdesk__incidents', 'servicenow': 'stg_servicenow__incidents',
        'files': 'stg_files__tickets', 'file_holds': 'stg_files__ticket_holds'} -%}
    {%- for entity in entities %}
    select org_code, ticket_id from {{ ref(models[entity]) }}
    where load_id in ({{ unprocessed_loads() }})
    {%- if not loop.last %}
    union{% endif %}
    {%- endfor %}
{%- endmacro %}


{#-
    pre-hook of a model with several rows per ticket: before the night's rows go
    in, the rows of the tickets it rebuilds go out (a ticket may have fewer rows,
    or none, now). touched_only: only tickets an unprocessed load changed.
    running_rows_where: of a ticket that is only running (not touched), only the
    rows matching this condition (on `kept`) go. Nothing to do on a full build.
-#}
{% macro delete_rebuilt_tickets(touched_only=false, running_rows_where=none) %}
    {% if is_incremental() %}
        delete from {{ this }} as kept
        using {{ ref('int_tickets_rebuilt') }} as rebuilt
        where
            kept.org_code = rebuilt.org_code
            and kept.ticket_id = rebuilt.ticket_id
            {% if touched_only %}
                and rebuilt.is_touched
            {% elif running_rows_where %}
                and (rebuilt.is_touched or ({{ running_rows_where }}))
            {% endif %}
    {% else %}
        select 1
    {% endif %}
{% endmacro %}


{#-
    pre-hook of the incremental models that join the business calendar: it is
    rebuilt earlier in the same build (a table, created anew), so it has no
    planner statistics yet, and a night's few thousand tickets joined with it
    were planned as a scan of the whole calendar per ticket (7.9 s instead of
    0.4 s in int_open_tickets_aged at 100,000 tickets). A few milliseconds.
-#}
{% macro analyze_calendar() %}
    analyze {{ ref('int_business_days_indexed') }}
{% endmacro %}


{#-
    on-run-end: when every nightly_increment model of the project was built
    successfully by this invocation, the loads registered so far have been
    carried through the chain; a failed, skipped or unselected model leaves them
    unprocessed, and the next build takes them again.
-#}
{% macro mark_loads_processed(results) %}
    {%- set chain = [] -%}
    {%- set built = [] -%}
    {%- if execute and flags.WHICH in ('build', 'run', 'retry') -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and 'nightly_increment' in node.tags -%}
                {%- do chain.append(node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for result in results -%}
            {%- if result.node.unique_id in chain and result.status == 'success' -%}
                {%- do built.append(result.node.unique_id) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {% if chain and built | length == chain | length %}
        update {{ graph.nodes['model.' ~ project_name ~ '.int_loads_registered'].relation_name }}
        set processed_at = now(), processed_by = '{{ invocation_id }}'
        where processed_at is null
    {% else %}
        select 1
    {% endif %}
{% endmacro %}


{#-
    The local months in which any ticket of `relation` (int_tickets_timed) was
    opened, answered or resolved, in one pass: the months int_open_tickets_aged
    ages open tickets at.
-#}
{% macro ticket_activity_months(relation) %}
    select distinct activity.month
    from {{ relation }} as tickets
    cross join lateral (
        values
            ({{ to_local_month('tickets.opened_at') }}),
            ({{ to_local_month('tickets.first_response_at') }}),
            ({{ to_local_month('tickets.resolved_at') }})
    ) as activity (month)
    where activity.month is not null
{% endmacro %}


{#-
    Those months as one string: part of int_open_tickets_aged's lineage
    fingerprint, so a month that appears or disappears rebuilds it.
-#}
{% macro open_tickets_aged_months() %}
    select string_agg(cast(month as text), ',' order by month)
    from ({{ ticket_activity_months(ref('int_tickets_timed')) }}) as activity_months
{% endmacro %}
