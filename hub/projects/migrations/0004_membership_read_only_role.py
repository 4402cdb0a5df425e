# Adds the read-only role. Existing memberships keep theirs (owner or member) and new ones default to
# member, so nobody loses a button they had; read-only is chosen per person in the admin.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0003_results_segments'),
    ]

    operations = [
        migrations.AlterField(
            model_name='membership',
            name='role',
            field=models.CharField(choices=[('owner', 'Owner'), ('member', 'Member'), ('read_only', 'Read-only member')], default='member', help_text='Owners decide and act, members act, read-only members only look.', max_length=16),
        ),
    ]
