// The SCIM schemas this service provider serves (RFC 7643 §4 User, §4.2 Group, §4.3 Enterprise
// User), as data: the `/Schemas` endpoint renders them, and the request pipeline uses them to
// canonicalize attribute names (attribute names are case-insensitive, RFC 7643 §2.1), coerce the
// string booleans Entra ID sends ("False"), compare case-insensitively where caseExact is false,
// and refuse writes to readOnly attributes.
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const MSG_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const MSG_LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const MSG_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const MSG_SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RT_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

export type AttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'complex' | 'binary';
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
export type Returned = 'always' | 'never' | 'default' | 'request';

export interface AttrDef {
  name: string;
  type: AttrType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: AttrDef[];
  canonicalValues?: string[];
  referenceTypes?: string[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttrDef[];
}

type Opts = Partial<Omit<AttrDef, 'name' | 'type' | 'description'>>;

function attr(name: string, type: AttrType, description: string, o: Opts = {}): AttrDef {
  return {
    name,
    type,
    multiValued: o.multiValued ?? false,
    description,
    required: o.required ?? false,
    caseExact: o.caseExact ?? false,
    mutability: o.mutability ?? 'readWrite',
    returned: o.returned ?? 'default',
    uniqueness: o.uniqueness ?? 'none',
    ...(o.subAttributes ? { subAttributes: o.subAttributes } : {}),
    ...(o.canonicalValues ? { canonicalValues: o.canonicalValues } : {}),
    ...(o.referenceTypes ? { referenceTypes: o.referenceTypes } : {}),
  };
}

/** The usual sub-attributes of a multi-valued attribute (RFC 7643 §2.4). */
function multi(
  name: string,
  description: string,
  valueType: AttrType,
  types: string[],
  o: Opts & { valueCaseExact?: boolean } = {},
): AttrDef {
  return attr(name, 'complex', description, {
    multiValued: true,
    mutability: o.mutability ?? 'readWrite',
    subAttributes: [
      attr('value', valueType, `The ${name} value.`, { caseExact: o.valueCaseExact ?? false, mutability: o.mutability ?? 'readWrite' }),
      attr('display', 'string', 'A human-readable name, primarily used for display purposes.', { mutability: o.mutability ?? 'readWrite' }),
      attr('type', 'string', `A label indicating the attribute's function.`, {
        canonicalValues: types,
        mutability: o.mutability ?? 'readWrite',
      }),
      attr('primary', 'boolean', `A Boolean value indicating the 'primary' or preferred attribute value for this attribute.`, {
        mutability: o.mutability ?? 'readWrite',
      }),
    ],
  });
}

export const USER_SCHEMA: SchemaDef = {
  id: CORE_USER,
  name: 'User',
  description: 'User Account',
  attributes: [
    attr(
      'userName',
      'string',
      'Unique identifier for the User, typically used by the user to directly authenticate to the service provider.',
      { required: true, uniqueness: 'server' },
    ),
    attr('name', 'complex', `The components of the user's real name.`, {
      subAttributes: [
        attr('formatted', 'string', 'The full name.'),
        attr('familyName', 'string', 'The family name of the User.'),
        attr('givenName', 'string', 'The given name of the User.'),
        attr('middleName', 'string', 'The middle name(s) of the User.'),
        attr('honorificPrefix', 'string', 'The honorific prefix(es) of the User.'),
        attr('honorificSuffix', 'string', 'The honorific suffix(es) of the User.'),
      ],
    }),
    attr('displayName', 'string', 'The name of the User, suitable for display to end-users.'),
    attr('nickName', 'string', 'The casual way to address the user in real life.'),
    attr('profileUrl', 'reference', `A fully qualified URL pointing to a page representing the User's online profile.`, {
      referenceTypes: ['external'],
    }),
    attr('title', 'string', `The user's title, such as "Vice President".`),
    attr('userType', 'string', 'Used to identify the relationship between the organization and the user.'),
    attr('preferredLanguage', 'string', `Indicates the User's preferred written or spoken language.`),
    attr('locale', 'string', `Used to indicate the User's default location.`),
    attr('timezone', 'string', `The User's time zone in the 'Olson' time zone database format.`),
    attr('active', 'boolean', `A Boolean value indicating the User's administrative status.`),
    attr('password', 'string', `The User's cleartext password. Accepted and discarded: never stored, logged or forwarded.`, {
      mutability: 'writeOnly',
      returned: 'never',
    }),
    multi('emails', 'Email addresses for the user.', 'string', ['work', 'home', 'other']),
    multi('phoneNumbers', 'Phone numbers for the User.', 'string', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
    multi('ims', 'Instant messaging addresses for the User.', 'string', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
    multi('photos', 'URLs of photos of the User.', 'reference', ['photo', 'thumbnail']),
    attr('addresses', 'complex', 'A physical mailing address for this User.', {
      multiValued: true,
      subAttributes: [
        attr('formatted', 'string', 'The full mailing address.'),
        attr('streetAddress', 'string', 'The full street address component.'),
        attr('locality', 'string', 'The city or locality component.'),
        attr('region', 'string', 'The state or region component.'),
        attr('postalCode', 'string', 'The zip code or postal code component.'),
        attr('country', 'string', 'The country name component.'),
        attr('type', 'string', `A label indicating the attribute's function.`, { canonicalValues: ['work', 'home', 'other'] }),
        attr('primary', 'boolean', 'A Boolean value indicating the primary or preferred address.'),
      ],
    }),
    attr('groups', 'complex', 'A list of groups to which the user belongs.', {
      multiValued: true,
      mutability: 'readOnly',
      subAttributes: [
        attr('value', 'string', "The identifier of the User's group.", { mutability: 'readOnly' }),
        attr('$ref', 'reference', 'The URI of the corresponding Group resource.', { mutability: 'readOnly', referenceTypes: ['Group'] }),
        attr('display', 'string', 'A human-readable name.', { mutability: 'readOnly' }),
        attr('type', 'string', 'direct or indirect.', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
      ],
    }),
    multi('entitlements', 'A list of entitlements for the User.', 'string', []),
    multi('roles', 'A list of roles for the User.', 'string', []),
    multi('x509Certificates', 'A list of certificates issued to the User.', 'binary', []),
  ],
};

export const ENTERPRISE_USER_SCHEMA: SchemaDef = {
  id: ENTERPRISE_USER,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    attr('employeeNumber', 'string', 'Numeric or alphanumeric identifier assigned to a person.'),
    attr('costCenter', 'string', 'Identifies the name of a cost center.'),
    attr('organization', 'string', 'Identifies the name of an organization.'),
    attr('division', 'string', 'Identifies the name of a division.'),
    attr('department', 'string', 'Identifies the name of a department.'),
    attr('manager', 'complex', `The User's manager.`, {
      subAttributes: [
        attr('value', 'string', "The id of the SCIM resource representing the User's manager."),
        attr('$ref', 'reference', "The URI of the SCIM resource representing the User's manager.", { referenceTypes: ['User'] }),
        attr('displayName', 'string', "The displayName of the User's manager.", { mutability: 'readOnly' }),
      ],
    }),
  ],
};

export const GROUP_SCHEMA: SchemaDef = {
  id: CORE_GROUP,
  name: 'Group',
  description: 'Group',
  attributes: [
    // RFC 7643 §4.2 / §8.7.1 give Group displayName uniqueness "none"; Entra ID and Okta allow duplicate group names.
    attr('displayName', 'string', 'A human-readable name for the Group.', { required: true }),
    attr('members', 'complex', 'A list of members of the Group.', {
      multiValued: true,
      subAttributes: [
        attr('value', 'string', 'Identifier of the member of this Group.', { caseExact: true, mutability: 'immutable' }),
        attr('$ref', 'reference', 'The URI corresponding to a SCIM resource that is a member of this Group.', {
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        attr('display', 'string', 'A human-readable name for the member.', { mutability: 'immutable' }),
        attr('type', 'string', 'A label indicating the type of resource, e.g. "User" or "Group".', {
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
    }),
  ],
};

/** Attributes common to every resource (RFC 7643 §3.1); not part of any schema's attribute list. */
export const COMMON_ATTRIBUTES: AttrDef[] = [
  attr('id', 'string', 'Unique identifier for the resource, assigned by the service provider.', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  }),
  attr('externalId', 'string', 'Identifier of the resource as defined by the provisioning client.', { caseExact: true }),
  attr('meta', 'complex', 'Resource metadata.', { mutability: 'readOnly' }),
  attr('schemas', 'string', 'Schema URIs of the resource.', { multiValued: true, caseExact: true, mutability: 'readOnly' }),
];

export type ResourceType = 'User' | 'Group';

export interface ResourceTypeDef {
  name: ResourceType;
  endpoint: '/Users' | '/Groups';
  description: string;
  schema: SchemaDef;
  extensions: { schema: SchemaDef; required: boolean }[];
  /** The required naming attribute; unique (case-insensitively, among live resources) only where its schema says uniqueness "server". */
  nameAttr: 'userName' | 'displayName';
}

export const RESOURCE_TYPES: Record<ResourceType, ResourceTypeDef> = {
  User: {
    name: 'User',
    endpoint: '/Users',
    description: 'User Account',
    schema: USER_SCHEMA,
    extensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
    nameAttr: 'userName',
  },
  Group: { name: 'Group', endpoint: '/Groups', description: 'Group', schema: GROUP_SCHEMA, extensions: [], nameAttr: 'displayName' },
};

/**
 * Schema URIs a client may list in a request's `schemas` that this provider ignores (never
 * stored, never echoed): Entra ID's documented create-group request lists Microsoft's ADSCIM Group
 * schema beside the core Group schema and carries no attribute of it.
 */
export const IGNORED_REQUEST_SCHEMAS: Partial<Record<ResourceType, readonly string[]>> = {
  Group: ['http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
};

/** What /ServiceProviderConfig advertises; the handler answers by it (RFC 7643 §5). */
export const FEATURES = { patch: true, bulk: false, filter: true, changePassword: false, sort: false, etag: true } as const;

export const ALL_SCHEMAS: SchemaDef[] = [USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA];

/** Case-insensitive lookup of an attribute definition in a list. */
export function findAttr(list: readonly AttrDef[] | undefined, name: string): AttrDef | undefined {
  if (!list) return undefined;
  const lower = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === lower);
}

/** The attribute list of a resource type's core schema, plus the common attributes. */
export function coreAttributes(rt: ResourceTypeDef): AttrDef[] {
  return [...COMMON_ATTRIBUTES, ...rt.schema.attributes];
}

/** The extension of `rt` whose URN equals `urn` case-insensitively. */
export function findExtension(rt: ResourceTypeDef, urn: string): SchemaDef | undefined {
  const lower = urn.toLowerCase();
  return rt.extensions.find((e) => e.schema.id.toLowerCase() === lower)?.schema;
}
