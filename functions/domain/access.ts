// Who is asking, and which part of the owner tree they may see and change.

export type ScopeLevel = 'reseller' | 'client' | 'extension';

/** Where a record sits in the owner tree: a reseller has only `resellerId`, an extension all three. */
export interface TreeNode {
  readonly resellerId: string;
  readonly clientId?: string;
  readonly extensionId?: string;
}

export type Scope =
  | { readonly level: 'reseller'; readonly resellerId: string }
  | { readonly level: 'client'; readonly resellerId: string; readonly clientId: string }
  | {
      readonly level: 'extension';
      readonly resellerId: string;
      readonly clientId: string;
      readonly extensionId: string;
    };

/** The total-access admin; a program with a scoped API key; or a person logged in to the console at a level. */
export type Principal =
  | { readonly kind: 'admin'; readonly username: string }
  | { readonly kind: 'key'; readonly keyId: string; readonly scope: Scope }
  | { readonly kind: 'login'; readonly username: string; readonly scope: Scope };

const DEPTH: Readonly<Record<ScopeLevel, number>> = { reseller: 0, client: 1, extension: 2 };

function depthOf(node: TreeNode): number {
  return node.extensionId !== undefined ? 2 : node.clientId !== undefined ? 1 : 0;
}

function contains(scope: Scope, node: TreeNode): boolean {
  switch (scope.level) {
    case 'reseller':
      return node.resellerId === scope.resellerId;
    case 'client':
      return node.clientId === scope.clientId;
    case 'extension':
      return node.extensionId === scope.extensionId;
  }
}

/** The admin sees everything; a key or a login sees its own node and what is below it. Else: "not found". */
export function canSee(principal: Principal, node: TreeNode): boolean {
  return principal.kind === 'admin' || contains(principal.scope, node);
}

/**
 * Permissions (Call API Management, Call API access) and creating or deleting records are for the levels above:
 * the admin grants resellers, a reseller its clients, a client its extensions.
 */
export function canAdminister(principal: Principal, node: TreeNode): boolean {
  return (
    principal.kind === 'admin' ||
    (contains(principal.scope, node) && depthOf(node) > DEPTH[principal.scope.level])
  );
}

export function isAdmin(principal: Principal): boolean {
  return principal.kind === 'admin';
}
