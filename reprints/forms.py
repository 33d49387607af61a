from django import forms
from django.core.validators import URLValidator, slug_re
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from publication.addresses import former_owner_id

from .abuse import ProtectedFormMixin
from .models import ContactMessage, ReprintRequest


def reprintable_articles():
    """What may be asked for: public articles not marked as third-party."""
    return Article.objects.published().filter(is_reprintable=True)


class ReprintRequestForm(ProtectedFormMixin, forms.ModelForm):
    single_line_fields = ("name", "email", "organisation", "language")

    article = forms.ModelChoiceField(
        label=_("Article"),
        queryset=Article.objects.none(),
        to_field_name="slug",
        empty_label=_("Choose an article"),
        error_messages={
            "invalid_choice": _("Choose an article that is available for reprint.")
        },
    )
    outlet_url = forms.URLField(
        label=_("Outlet address"),
        max_length=500,
        validators=[URLValidator(schemes=["http", "https"])],
        assume_scheme="https",
        help_text=_("Where the article would appear, e.g. https://example.org"),
    )
    intended_date = forms.DateField(
        label=_("Intended publication date"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    agree = forms.BooleanField(
        label=_("I have read the reprint terms and agree to them."),
        error_messages={"required": _("Please agree to the reprint terms.")},
    )

    class Meta:
        model = ReprintRequest
        fields = [
            "article",
            "name",
            "email",
            "organisation",
            "outlet_url",
            "medium",
            "language",
            "intended_date",
            "message",
        ]
        labels = {
            "name": _("Your name"),
            "email": _("Your e-mail"),
            "organisation": _("Organisation"),
            "medium": _("Medium"),
            "language": _("Language of the reprint"),
            "message": _("Anything we should know"),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        articles = reprintable_articles()
        self.fields["article"].queryset = articles.newest_first().only(
            "pk", "slug", "title"
        )
        self.fields["medium"].choices = ReprintRequest.Medium.choices
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["organisation"].widget.attrs["autocomplete"] = "organization"
        # A request started from an article page names that article: show its
        # title instead of a long list.
        slug = (
            self.data.get(self.add_prefix("article"))
            if self.is_bound
            else self.initial.get("article")
        )
        self.chosen_article = (
            articles.filter(slug=slug).first() if slug and slug_re.match(slug) else None
        )
        if self.chosen_article is None and slug and slug_re.match(slug):
            self.follow_former_slug(articles, slug)
        if self.chosen_article is not None:
            self.fields["article"].widget = forms.HiddenInput()

    def follow_former_slug(self, articles, slug):
        """A link (or a cached article page) from before the article's slug
        changed names it by its old slug: ask about the article it now is."""
        owner_id = former_owner_id(Article, slug)
        article = articles.filter(pk=owner_id).first() if owner_id else None
        if article is None:
            return
        self.chosen_article = article
        if self.is_bound:
            self.data = self.data.copy()
            self.data[self.add_prefix("article")] = article.slug
        else:
            self.initial["article"] = article.slug

    def clean_intended_date(self):
        date = self.cleaned_data["intended_date"]
        if date < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later date."), code="past")
        return date


class ContactForm(ProtectedFormMixin, forms.ModelForm):
    single_line_fields = ("name", "email", "organisation", "subject")

    class Meta:
        model = ContactMessage
        fields = ["topic", "name", "email", "organisation", "subject", "message"]
        labels = {
            "topic": _("Topic"),
            "name": _("Your name"),
            "email": _("Your e-mail"),
            "organisation": _("Organisation (optional)"),
            "subject": _("Subject"),
            "message": _("Message"),
        }
        widgets = {"message": forms.Textarea(attrs={"rows": 8})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = ContactMessage.Topic.choices
