"""Demo activities at 桃南二社区: an image-design class booked in the activity room, and a
volunteer post with a shift, so the venue calendar and the volunteering pages have content.
The chess class of the walkthrough is left for the "org" login to publish."""

import datetime

from django.utils import timezone

from activities.models import Activity, Shift, VolunteerPost
from demo.kit import DemoContext, bulk


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def activities_build(ctx: DemoContext) -> None:
    room = next(v for v in ctx.venues_by_community[ctx.flagship.pk] if v.kind == "activity_room")
    start = _at(ctx.today + datetime.timedelta(days=4), 14, 30)
    design = Activity(
        community=ctx.flagship,
        venue=room,
        organization=ctx.article_orgs["优社优家"],
        title="老年形象设计课",
        description="优社优家志愿者为老人免费设计发型、搭配服饰。",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=min(15, room.capacity),
        open_to=Activity.OpenTo.COMMUNITY,
        created_by=ctx.users["org"],
    )
    (design,) = bulk(Activity, [design], ctx)
    post = VolunteerPost(
        community=ctx.flagship,
        project="社区+义工",
        title="形象设计课助教",
        description="签到引导、协助老人就座。",
        skill=ctx.skills.get("art"),
        activity=design,
        created_by=ctx.users["community"],
    )
    (post,) = bulk(VolunteerPost, [post], ctx)
    bulk(Shift, [Shift(post=post, starts_at=start, ends_at=design.ends_at, slots=3)], ctx)
