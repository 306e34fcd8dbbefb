from decimal import Decimal

import factory

from accounts.models import User
from projects.choices import Role
from projects.models import Category, Department, Project, Region, RoleAssignment, Sector


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-1234-word")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"测试项目{n}")
    investor = "测试企业有限公司"
    region = factory.LazyFunction(lambda: Region.objects.get(key="tiedong"))
    sector = factory.LazyFunction(lambda: Sector.objects.get(name="菱镁"))
    category = factory.LazyFunction(lambda: Category.objects.get(key="industrial"))
    department = factory.LazyFunction(lambda: Department.objects.get(key="gxj"))
    total_investment = Decimal("10000.00")
    annual_plan = Decimal("3000.00")


def user_with_role(username, role, **place):
    user = UserFactory(username=username)
    RoleAssignment.objects.create(user=user, role=role, **place)
    return user


def region(key):
    return Region.objects.get(key=key)


__all__ = ["ProjectFactory", "Role", "UserFactory", "region", "user_with_role"]
