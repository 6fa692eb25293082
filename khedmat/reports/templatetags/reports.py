from django import template
from django.utils import translation
from django.utils.translation import gettext

from khedmat.core.digits import localize_digits
from khedmat.reports.queries import Ratio

register = template.Library()


@register.filter
def share(ratio: Ratio) -> str:
    """A share as a whole percentage in the page's digits ("—" when there is nothing to count)."""
    value = ratio.value
    if value is None:
        return "—"
    text = gettext("%(percent)s%%") % {"percent": round(value * 100)}
    return localize_digits(text, translation.get_language() or "fa")
