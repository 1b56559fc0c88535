from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from quizapp.models import Role


class RoleForm(FlaskForm):
    role = SelectField(
        "Role", choices=[SelectChoice(role.value, role.value.capitalize()) for role in Role]
    )
