from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from quizapp.forms import Form
from quizapp.services.accounts import MAX_PASSWORD, MIN_PASSWORD


class LoginForm(Form):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in")


class RegisterForm(Form):
    name = StringField("Name", validators=[DataRequired(), Length(max=100)])
    email = EmailField("Email", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(
        "Password", validators=[DataRequired(), Length(min=MIN_PASSWORD), Length(max=MAX_PASSWORD)]
    )
    confirm = PasswordField(
        "Repeat password", validators=[DataRequired(), EqualTo("password", "The passwords differ.")]
    )
    # Filled in by the browser (static/timezone.js); a missing or unknown zone means UTC.
    timezone = HiddenField(validators=[Length(max=64)])


class PasswordForm(Form):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD), Length(max=MAX_PASSWORD)],
    )
    confirm = PasswordField(
        "Repeat new password", validators=[DataRequired(), EqualTo("new", "The passwords differ.")]
    )
