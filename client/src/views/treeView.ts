// The VS Code side of a Flux tree view: a TreeDataProvider over a pure TreeModel. It converts
// ItemSpecs into TreeItems, resolves Markdown tooltips only when hovered, and refreshes exactly the
// nodes the model names.

import * as vscode from 'vscode';
import type { ItemSpec, Node } from './shared/nodes';
import type { TreeModel } from './shared/treeModel';

const COLLAPSIBLE = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
} as const;

export class FluxTreeProvider implements vscode.TreeDataProvider<Node> {
  private readonly emitter = new vscode.EventEmitter<Node | Node[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;

  constructor(readonly model: TreeModel) {}

  getChildren(node?: Node): Node[] {
    return this.model.children(node);
  }

  getParent(node: Node): Node | undefined {
    return this.model.parent(node);
  }

  getTreeItem(node: Node): vscode.TreeItem {
    return toTreeItem(node, this.model.item(node));
  }

  resolveTreeItem(item: vscode.TreeItem, node: Node): vscode.TreeItem {
    const md = this.model.tooltip(node);
    if (md) item.tooltip = new vscode.MarkdownString(md);
    return item;
  }

  /** Refresh these nodes, or (undefined) the whole view. */
  refresh(nodes?: readonly Node[]): void {
    if (!nodes) this.emitter.fire(undefined);
    else if (nodes.length) this.emitter.fire([...nodes]);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export function toTreeItem(node: Node, spec: ItemSpec): vscode.TreeItem {
  const item = new vscode.TreeItem(spec.label, COLLAPSIBLE[spec.collapsible]);
  item.id = node.id;
  if (spec.description !== undefined) item.description = spec.description;
  if (spec.icon)
    item.iconPath = new vscode.ThemeIcon(
      spec.icon.id,
      spec.icon.color ? new vscode.ThemeColor(spec.icon.color) : undefined,
    );
  item.contextValue = spec.contextValue;
  if (spec.command) item.command = { ...spec.command, arguments: [node] };
  return item;
}
