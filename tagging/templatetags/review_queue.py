from django import template

register = template.Library()


@register.simple_tag
def review_queue_count() -> int:
    """How many suggestions wait in the admin's default review queue (tagging.admin.needs_a_person)."""
    from tagging.admin import needs_a_person
    from tagging.models import TagSuggestion

    return needs_a_person(TagSuggestion.objects.all()).count()
