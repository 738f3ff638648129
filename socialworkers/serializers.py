from rest_framework import serializers

from socialworkers.models import SocialWorker, Volunteer, VolunteerTeam


class SocialWorkerSerializer(serializers.ModelSerializer):
    """A social worker; the phone number is masked."""

    phone = serializers.CharField(source="masked_phone", read_only=True)
    organization_name = serializers.CharField(
        source="organization.name", read_only=True, default=None, allow_null=True
    )
    communities = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    skills = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = SocialWorker
        fields = [
            "id",
            "name",
            "phone",
            "qualification",
            "certificate_number",
            "organization",
            "organization_name",
            "communities",
            "skills",
            "active",
        ]
        read_only_fields = fields


class VolunteerTeamSerializer(serializers.ModelSerializer):
    community_name = serializers.CharField(source="community.name", read_only=True)
    leader_name = serializers.CharField(source="leader.name", read_only=True, default=None)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = VolunteerTeam
        fields = [
            "id",
            "name",
            "community",
            "community_name",
            "leader",
            "leader_name",
            "founded_on",
            "member_count",
        ]
        read_only_fields = fields


class VolunteerSerializer(serializers.ModelSerializer):
    """A volunteer; the phone number is masked."""

    phone = serializers.CharField(source="masked_phone", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    community = serializers.IntegerField(source="team.community_id", read_only=True, default=None)
    skills = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Volunteer
        fields = ["id", "name", "phone", "team", "team_name", "community", "skills"]
        read_only_fields = fields
