{#-
    Fails for every row where the boolean `expression` is false (a null
    result counts as true: write `coalesce(...)` when null must fail).
-#}
{% test expression_is_true(model, expression) %}

    select *
    from {{ model }}
    where not ({{ expression }})

{% endtest %}
