"""Forms of the console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from survey_app.services.surveys import SLUG_PATTERN
from survey_app.text_checks import text_problem

#: the roles (models.user.ROLES) as the console names them
ROLE_LABELS = {"manager": _l("Manager / analyst"), "hr": _l("HR"), "admin": _l("Administrator")}
#: an address with one @ and no spaces or control characters, to its very end (\Z: $ would allow a newline)
EMAIL = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\Z"
#: what the email fields say about an address that is not one
NOT_AN_EMAIL = _l("Enter an email address.")


def plain_text(form: FlaskForm, field) -> None:
    """No control characters (tab and newline aside) and no unpaired surrogates (see text_checks)."""
    if isinstance(field.data, str) and text_problem(field.data):
        raise ValidationError(_l("Remove the invisible control characters from this field."))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Regexp(EMAIL, message=NOT_AN_EMAIL), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=200)])
    new = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired(), Length(min=10,
                                                                                                        max=200)])
    repeat = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)])

    def validate_repeat(self, field) -> None:
        if field.data != self.new.data:
            raise ValidationError(_l("The two new passwords differ."))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Regexp(EMAIL, message=NOT_AN_EMAIL), Length(max=254)])


class NewPasswordForm(FlaskForm):
    """A password chosen through a link (a forgotten password, an invitation): the rules of PasswordChangeForm."""

    new = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired(), Length(min=10,
                                                                                                        max=200)])
    repeat = PasswordField(_l("New password again"), validators=[DataRequired(), Length(max=200)])

    def validate_repeat(self, field) -> None:
        if field.data != self.new.data:
            raise ValidationError(_l("The two new passwords differ."))


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SurveyForm(FlaskForm):
    slug = StringField(_l("Link name"), validators=[DataRequired(), Regexp(SLUG_PATTERN.pattern, message=_l(
        "Use 3-64 lower-case letters, digits and hyphens."))])
    title_zh = StringField(_l("Title (Chinese)"), validators=[Optional(), Length(max=200), plain_text])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=200), plain_text])
    start = RadioField(_l("Start from"), choices=[
        SelectChoice("modules", _l("Shipped questionnaire modules (choose below)")),
        SelectChoice("blank", _l("A blank questionnaire")),
        SelectChoice("copy", _l("A copy of the questionnaire of an earlier survey (choose below)"))],
        default="modules", validators=[DataRequired()])
    # required by start (validate_instruments, validate_copy_from): Optional() would clear their errors
    instruments = CheckboxesField(_l("Questionnaire modules"))
    copy_from = SelectField(_l("Earlier survey to copy"), default="")
    languages = CheckboxesField(_l("Languages"), choices=[SelectChoice("zh", _l("Chinese")),
                                                          SelectChoice("en", _l("English"))],
                                default=["zh", "en"], validators=[DataRequired()])
    leave_out = StringField(_l("Leave out items (codes separated by commas)"),
                            validators=[Optional(), Length(max=2000), plain_text])
    anonymous = BooleanField(_l("Anonymous (no link between invitations and answers)"))
    opens_at = DateTimeLocalField(_l("Opens (UTC)"), validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes (UTC)"), validators=[Optional()])

    def validate_instruments(self, field) -> None:
        if self.start.data == "modules" and not field.data:
            raise ValidationError(_l("Choose at least one module."))

    def validate_copy_from(self, field) -> None:
        if self.start.data == "copy" and not field.data:
            raise ValidationError(_l("Choose the survey to copy."))

    def validate_closes_at(self, field) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The survey must close after it opens."))


class UploadForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class AccountForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Regexp(EMAIL, message=NOT_AN_EMAIL), Length(max=254)])
    role = RadioField(_l("Role"), choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
                      default="manager", validators=[DataRequired()])


class InviteForm(FlaskForm):
    """Invite a colleague by email: the account is made when they accept, with the password they choose."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Regexp(EMAIL, message=NOT_AN_EMAIL), Length(max=254)])
    role = RadioField(_l("Role"), choices=[SelectChoice(role, label) for role, label in ROLE_LABELS.items()],
                      default="manager", validators=[DataRequired()])
    language = RadioField(_l("Language of the message"), choices=[SelectChoice("zh", _l("Chinese")),
                                                                  SelectChoice("en", _l("English"))],
                          validators=[DataRequired()])
