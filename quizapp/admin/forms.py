from flask_wtf import FlaskForm
from wtforms import SelectField

from quizapp.models import Role


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[(role.value, role.value.capitalize()) for role in Role])
