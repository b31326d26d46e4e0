"""Routes: platform-admin provisioning of tenants, and a library's own users."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from reshare.tenancy import service
from reshare.tenancy.model import Role, TenantStatus
from reshare.web.deps import PlatformAdmin, PlatformDep, Staff, TenantAdmin

router = APIRouter(tags=["tenancy"])


class TenantCreate(BaseModel):
    code: str = Field(description="Tenant code, e.g. NJSOOS")
    name: str


class UserCreate(BaseModel):
    username: str
    password: str
    role: Role = Role.STAFF
    display_name: str = ""
    email: str = ""


@router.get("/admin/tenants")
def admin_list_tenants(_: PlatformAdmin, platform: PlatformDep) -> list[dict[str, object]]:
    return [t.as_dict() for t in service.list_tenants(platform.db)]


@router.post("/admin/tenants", status_code=status.HTTP_201_CREATED)
def admin_create_tenant(body: TenantCreate, _: PlatformAdmin,
                        platform: PlatformDep) -> dict[str, object]:
    """Create a library; its default settings are seeded in the same step."""
    return service.create_tenant(platform.db, body.code, body.name).as_dict()


@router.post("/admin/tenants/{code}/disable")
def admin_disable_tenant(code: str, _: PlatformAdmin, platform: PlatformDep) -> dict[str, object]:
    return service.set_tenant_status(platform.db, code, TenantStatus.DISABLED).as_dict()


@router.post("/admin/tenants/{code}/enable")
def admin_enable_tenant(code: str, _: PlatformAdmin, platform: PlatformDep) -> dict[str, object]:
    return service.set_tenant_status(platform.db, code, TenantStatus.ACTIVE).as_dict()


@router.post("/admin/tenants/{code}/users", status_code=status.HTTP_201_CREATED)
def admin_create_user(code: str, body: UserCreate, _: PlatformAdmin,
                      platform: PlatformDep) -> dict[str, object]:
    """Create a library's first users (usually an admin)."""
    tenant = service.get_tenant(platform.db, code)
    user_id = service.create_user(platform.db, tenant.id, body.username, body.password,
                                  body.role, display_name=body.display_name, email=body.email)
    return {"id": user_id, "tenant": tenant.code, "username": body.username, "role": body.role}


@router.get("/tenant")
def own_tenant(principal: Staff, platform: PlatformDep) -> dict[str, object]:
    assert principal.tenant_code is not None
    return service.get_tenant(platform.db, principal.tenant_code).as_dict()


@router.get("/users")
def list_users(principal: TenantAdmin, platform: PlatformDep) -> list[dict[str, object]]:
    assert principal.tenant_id is not None
    return service.list_users(platform.db, principal.tenant_id)


@router.post("/users", status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, principal: TenantAdmin,
                platform: PlatformDep) -> dict[str, object]:
    assert principal.tenant_id is not None
    user_id = service.create_user(platform.db, principal.tenant_id, body.username, body.password,
                                  body.role, display_name=body.display_name, email=body.email)
    return {"id": user_id, "username": body.username, "role": body.role}
