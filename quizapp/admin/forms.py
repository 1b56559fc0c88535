from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from quizapp.forms import Form
from quizapp.models import Role


class RoleForm(Form):
    role = SelectField(
        "Role", choices=[SelectChoice(role.value, role.value.capitalize()) for role in Role]
    )
