export namespace agents {
	
	export class Agent {
	    id: string;
	    name: string;
	    email: string;
	    role: string;
	    createdAt: string;
	
	    static createFrom(source: any = {}) {
	        return new Agent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.email = source["email"];
	        this.role = source["role"];
	        this.createdAt = source["createdAt"];
	    }
	}
	export class Invitation {
	    id: string;
	    email: string;
	    role: string;
	    invitedBy: string;
	    createdAt: string;
	    expiresAt: string;
	    expired: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Invitation(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.email = source["email"];
	        this.role = source["role"];
	        this.invitedBy = source["invitedBy"];
	        this.createdAt = source["createdAt"];
	        this.expiresAt = source["expiresAt"];
	        this.expired = source["expired"];
	    }
	}
	export class Session {
	    id: string;
	    agentId: string;
	    device: string;
	    method: string;
	    createdAt: string;
	    lastSeenAt: string;
	    current: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Session(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.agentId = source["agentId"];
	        this.device = source["device"];
	        this.method = source["method"];
	        this.createdAt = source["createdAt"];
	        this.lastSeenAt = source["lastSeenAt"];
	        this.current = source["current"];
	    }
	}

}

export namespace backup {
	
	export class File {
	    path: string;
	    bytes: number;
	    organizations: number;
	    contacts: number;
	    conversations: number;
	    seconds: number;
	    savedCurrentTo: string;
	
	    static createFrom(source: any = {}) {
	        return new File(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.bytes = source["bytes"];
	        this.organizations = source["organizations"];
	        this.contacts = source["contacts"];
	        this.conversations = source["conversations"];
	        this.seconds = source["seconds"];
	        this.savedCurrentTo = source["savedCurrentTo"];
	    }
	}
	export class Info {
	    folder: string;
	    database: string;
	    bytes: number;
	    backupsFolder: string;
	    canManage: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Info(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.folder = source["folder"];
	        this.database = source["database"];
	        this.bytes = source["bytes"];
	        this.backupsFolder = source["backupsFolder"];
	        this.canManage = source["canManage"];
	    }
	}

}

export namespace contacts {
	
	export class MergeRecord {
	    id: string;
	    mergedId: string;
	    mergedName: string;
	    reason: string;
	    actorName: string;
	    at: string;
	    conversations: number;
	    fields: number;
	    undoneAt: string;
	    undoneBy: string;
	
	    static createFrom(source: any = {}) {
	        return new MergeRecord(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.mergedId = source["mergedId"];
	        this.mergedName = source["mergedName"];
	        this.reason = source["reason"];
	        this.actorName = source["actorName"];
	        this.at = source["at"];
	        this.conversations = source["conversations"];
	        this.fields = source["fields"];
	        this.undoneAt = source["undoneAt"];
	        this.undoneBy = source["undoneBy"];
	    }
	}
	export class ContactField {
	    id: string;
	    kind: string;
	    value: string;
	    norm: string;
	    verified: boolean;
	    verifiedLabel: string;
	    method: string;
	    verifiedAt: string;
	    verifiedBy: string;
	    removedNote: string;
	    bounced: string;
	
	    static createFrom(source: any = {}) {
	        return new ContactField(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.kind = source["kind"];
	        this.value = source["value"];
	        this.norm = source["norm"];
	        this.verified = source["verified"];
	        this.verifiedLabel = source["verifiedLabel"];
	        this.method = source["method"];
	        this.verifiedAt = source["verifiedAt"];
	        this.verifiedBy = source["verifiedBy"];
	        this.removedNote = source["removedNote"];
	        this.bounced = source["bounced"];
	    }
	}
	export class ContactDetail {
	    id: string;
	    name: string;
	    status: string;
	    fields: ContactField[];
	    otherNames: string[];
	    mergedInto: string;
	    merges: MergeRecord[];
	    conversations: number;
	    createdAt: string;
	
	    static createFrom(source: any = {}) {
	        return new ContactDetail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.status = source["status"];
	        this.fields = this.convertValues(source["fields"], ContactField);
	        this.otherNames = source["otherNames"];
	        this.mergedInto = source["mergedInto"];
	        this.merges = this.convertValues(source["merges"], MergeRecord);
	        this.conversations = source["conversations"];
	        this.createdAt = source["createdAt"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class ContactSummary {
	    id: string;
	    name: string;
	    emails: string[];
	    phones: string[];
	    verified: boolean;
	    status: string;
	
	    static createFrom(source: any = {}) {
	        return new ContactSummary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.emails = source["emails"];
	        this.phones = source["phones"];
	        this.verified = source["verified"];
	        this.status = source["status"];
	    }
	}
	export class ContactSearch {
	    query: string;
	    contacts: ContactSummary[];
	    more: boolean;
	
	    static createFrom(source: any = {}) {
	        return new ContactSearch(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.query = source["query"];
	        this.contacts = this.convertValues(source["contacts"], ContactSummary);
	        this.more = source["more"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class TimelineItem {
	    id: string;
	    kind: string;
	    at: string;
	    title: string;
	    detail: string;
	    channel: string;
	    method: string;
	    conversationId: string;
	    status: string;
	    durationSeconds: number;
	    mergeId: string;
	    canUndo: boolean;
	
	    static createFrom(source: any = {}) {
	        return new TimelineItem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.kind = source["kind"];
	        this.at = source["at"];
	        this.title = source["title"];
	        this.detail = source["detail"];
	        this.channel = source["channel"];
	        this.method = source["method"];
	        this.conversationId = source["conversationId"];
	        this.status = source["status"];
	        this.durationSeconds = source["durationSeconds"];
	        this.mergeId = source["mergeId"];
	        this.canUndo = source["canUndo"];
	    }
	}
	export class TimelinePage {
	    items: TimelineItem[];
	    next: string;
	
	    static createFrom(source: any = {}) {
	        return new TimelinePage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.items = this.convertValues(source["items"], TimelineItem);
	        this.next = source["next"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace conversations {
	
	export class ChatMessage {
	    id: string;
	    from: string;
	    authorName: string;
	    body: string;
	    createdAt: string;
	    status?: string;
	    problem?: string;
	
	    static createFrom(source: any = {}) {
	        return new ChatMessage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.from = source["from"];
	        this.authorName = source["authorName"];
	        this.body = source["body"];
	        this.createdAt = source["createdAt"];
	        this.status = source["status"];
	        this.problem = source["problem"];
	    }
	}
	export class ContactFieldView {
	    kind: string;
	    value: string;
	    verifiedLabel: string;
	
	    static createFrom(source: any = {}) {
	        return new ContactFieldView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.value = source["value"];
	        this.verifiedLabel = source["verifiedLabel"];
	    }
	}
	export class HistoryItem {
	    id: string;
	    kind: string;
	    status: string;
	    startedAt: string;
	    preview: string;
	
	    static createFrom(source: any = {}) {
	        return new HistoryItem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.kind = source["kind"];
	        this.status = source["status"];
	        this.startedAt = source["startedAt"];
	        this.preview = source["preview"];
	    }
	}
	export class ContactPanel {
	    state: string;
	    email: string;
	    typedEmail: string;
	    contactId: string;
	    name: string;
	    warning: string;
	    reason: string;
	    refused: boolean;
	    verifiedLabel: string;
	    method: string;
	    verifiedAt: string;
	    hiddenConversations: number;
	    hiddenFields: number;
	    fields: ContactFieldView[];
	    history: HistoryItem[];
	
	    static createFrom(source: any = {}) {
	        return new ContactPanel(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.state = source["state"];
	        this.email = source["email"];
	        this.typedEmail = source["typedEmail"];
	        this.contactId = source["contactId"];
	        this.name = source["name"];
	        this.warning = source["warning"];
	        this.reason = source["reason"];
	        this.refused = source["refused"];
	        this.verifiedLabel = source["verifiedLabel"];
	        this.method = source["method"];
	        this.verifiedAt = source["verifiedAt"];
	        this.hiddenConversations = source["hiddenConversations"];
	        this.hiddenFields = source["hiddenFields"];
	        this.fields = this.convertValues(source["fields"], ContactFieldView);
	        this.history = this.convertValues(source["history"], HistoryItem);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class VerifyActions {
	    canEmail: boolean;
	    mailBlockedReason: string;
	    codePending: boolean;
	    linkPending: boolean;
	    emailRequested: boolean;
	
	    static createFrom(source: any = {}) {
	        return new VerifyActions(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.canEmail = source["canEmail"];
	        this.mailBlockedReason = source["mailBlockedReason"];
	        this.codePending = source["codePending"];
	        this.linkPending = source["linkPending"];
	        this.emailRequested = source["emailRequested"];
	    }
	}
	export class ConversationSummary {
	    id: string;
	    inboxId: string;
	    inboxName: string;
	    kind: string;
	    status: string;
	    title: string;
	    email: string;
	    typedEmail: string;
	    panel: string;
	    unread: number;
	    lastMessage: string;
	    lastActivityAt: string;
	    startedAt: string;
	    phone: string;
	    callStatus: string;
	    durationSeconds: number;
	
	    static createFrom(source: any = {}) {
	        return new ConversationSummary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.inboxId = source["inboxId"];
	        this.inboxName = source["inboxName"];
	        this.kind = source["kind"];
	        this.status = source["status"];
	        this.title = source["title"];
	        this.email = source["email"];
	        this.typedEmail = source["typedEmail"];
	        this.panel = source["panel"];
	        this.unread = source["unread"];
	        this.lastMessage = source["lastMessage"];
	        this.lastActivityAt = source["lastActivityAt"];
	        this.startedAt = source["startedAt"];
	        this.phone = source["phone"];
	        this.callStatus = source["callStatus"];
	        this.durationSeconds = source["durationSeconds"];
	    }
	}
	export class ConversationDetail {
	    summary: ConversationSummary;
	    messages: ChatMessage[];
	    hasEarlier: boolean;
	    panel: ContactPanel;
	    actions: VerifyActions;
	
	    static createFrom(source: any = {}) {
	        return new ConversationDetail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.summary = this.convertValues(source["summary"], ConversationSummary);
	        this.messages = this.convertValues(source["messages"], ChatMessage);
	        this.hasEarlier = source["hasEarlier"];
	        this.panel = this.convertValues(source["panel"], ContactPanel);
	        this.actions = this.convertValues(source["actions"], VerifyActions);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	
	export class MessagePage {
	    messages: ChatMessage[];
	    hasEarlier: boolean;
	
	    static createFrom(source: any = {}) {
	        return new MessagePage(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.messages = this.convertValues(source["messages"], ChatMessage);
	        this.hasEarlier = source["hasEarlier"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

export namespace mailaccounts {
	
	export class Health {
	    purpose: string;
	    state: string;
	    mode: string;
	    lastError: string;
	    lastErrorAt: string;
	    retryingSince: string;
	    lastOkAt: string;
	    observedAt: string;
	
	    static createFrom(source: any = {}) {
	        return new Health(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.purpose = source["purpose"];
	        this.state = source["state"];
	        this.mode = source["mode"];
	        this.lastError = source["lastError"];
	        this.lastErrorAt = source["lastErrorAt"];
	        this.retryingSince = source["retryingSince"];
	        this.lastOkAt = source["lastOkAt"];
	        this.observedAt = source["observedAt"];
	    }
	}

}

export namespace services {
	
	export class AccountRequest {
	    host: string;
	    port: number;
	    tls: string;
	    username: string;
	    password: string;
	    address: string;
	
	    static createFrom(source: any = {}) {
	        return new AccountRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.host = source["host"];
	        this.port = source["port"];
	        this.tls = source["tls"];
	        this.username = source["username"];
	        this.password = source["password"];
	        this.address = source["address"];
	    }
	}
	export class AccountView {
	    host: string;
	    port: number;
	    tls: string;
	    username: string;
	    hasPassword: boolean;
	    address: string;
	
	    static createFrom(source: any = {}) {
	        return new AccountView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.host = source["host"];
	        this.port = source["port"];
	        this.tls = source["tls"];
	        this.username = source["username"];
	        this.hasPassword = source["hasPassword"];
	        this.address = source["address"];
	    }
	}
	export class Agent {
	    id: string;
	    name: string;
	    email: string;
	    role: string;
	
	    static createFrom(source: any = {}) {
	        return new Agent(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.email = source["email"];
	        this.role = source["role"];
	    }
	}
	export class NewContactField {
	    kind: string;
	    value: string;
	    verify: boolean;
	
	    static createFrom(source: any = {}) {
	        return new NewContactField(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.value = source["value"];
	        this.verify = source["verify"];
	    }
	}
	export class ContactEdit {
	    contactId: string;
	    conversationId: string;
	    name: string;
	    add: NewContactField[];
	    verify: string[];
	
	    static createFrom(source: any = {}) {
	        return new ContactEdit(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.contactId = source["contactId"];
	        this.conversationId = source["conversationId"];
	        this.name = source["name"];
	        this.add = this.convertValues(source["add"], NewContactField);
	        this.verify = source["verify"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class CopyProgress {
	    phase: string;
	    table: string;
	    tablesDone: number;
	    tablesTotal: number;
	    rows: number;
	    rowsTotal: number;
	    bytes: number;
	    elapsedSeconds: number;
	    remainingSeconds: number;
	    timeLeftKnown: boolean;
	
	    static createFrom(source: any = {}) {
	        return new CopyProgress(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.phase = source["phase"];
	        this.table = source["table"];
	        this.tablesDone = source["tablesDone"];
	        this.tablesTotal = source["tablesTotal"];
	        this.rows = source["rows"];
	        this.rowsTotal = source["rowsTotal"];
	        this.bytes = source["bytes"];
	        this.elapsedSeconds = source["elapsedSeconds"];
	        this.remainingSeconds = source["remainingSeconds"];
	        this.timeLeftKnown = source["timeLeftKnown"];
	    }
	}
	export class Counts {
	    contacts: number;
	    pendingContacts: number;
	    conversations: number;
	    openConversations: number;
	
	    static createFrom(source: any = {}) {
	        return new Counts(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.contacts = source["contacts"];
	        this.pendingContacts = source["pendingContacts"];
	        this.conversations = source["conversations"];
	        this.openConversations = source["openConversations"];
	    }
	}
	export class DeliveryEntry {
	    id: string;
	    kind: string;
	    to: string;
	    subject: string;
	    status: string;
	    attempts: number;
	    lastError: string;
	    createdAt: string;
	    sentAt: string;
	    bounceKind: string;
	    bounceReason: string;
	    bouncedAt: string;
	
	    static createFrom(source: any = {}) {
	        return new DeliveryEntry(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.kind = source["kind"];
	        this.to = source["to"];
	        this.subject = source["subject"];
	        this.status = source["status"];
	        this.attempts = source["attempts"];
	        this.lastError = source["lastError"];
	        this.createdAt = source["createdAt"];
	        this.sentAt = source["sentAt"];
	        this.bounceKind = source["bounceKind"];
	        this.bounceReason = source["bounceReason"];
	        this.bouncedAt = source["bouncedAt"];
	    }
	}
	export class DeliveryLog {
	    entries: DeliveryEntry[];
	    workerError: string;
	    workerErrorAt: string;
	    failingSince: string;
	
	    static createFrom(source: any = {}) {
	        return new DeliveryLog(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.entries = this.convertValues(source["entries"], DeliveryEntry);
	        this.workerError = source["workerError"];
	        this.workerErrorAt = source["workerErrorAt"];
	        this.failingSince = source["failingSince"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class MergePreview {
	    contactId: string;
	    name: string;
	    because: string;
	    conversations: number;
	    fields: number;
	    nameConflict: boolean;
	
	    static createFrom(source: any = {}) {
	        return new MergePreview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.contactId = source["contactId"];
	        this.name = source["name"];
	        this.because = source["because"];
	        this.conversations = source["conversations"];
	        this.fields = source["fields"];
	        this.nameConflict = source["nameConflict"];
	    }
	}
	export class FieldCheck {
	    kind: string;
	    input: string;
	    value: string;
	    norm: string;
	    problem: string;
	
	    static createFrom(source: any = {}) {
	        return new FieldCheck(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.kind = source["kind"];
	        this.input = source["input"];
	        this.value = source["value"];
	        this.norm = source["norm"];
	        this.problem = source["problem"];
	    }
	}
	export class EditPreview {
	    fields: FieldCheck[];
	    merges: MergePreview[];
	    ok: boolean;
	
	    static createFrom(source: any = {}) {
	        return new EditPreview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.fields = this.convertValues(source["fields"], FieldCheck);
	        this.merges = this.convertValues(source["merges"], MergePreview);
	        this.ok = source["ok"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class Inbox {
	    id: string;
	    name: string;
	    kind: string;
	
	    static createFrom(source: any = {}) {
	        return new Inbox(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.kind = source["kind"];
	    }
	}
	export class MailGate {
	    senderVerified: boolean;
	    senderAddress: string;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new MailGate(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.senderVerified = source["senderVerified"];
	        this.senderAddress = source["senderAddress"];
	        this.message = source["message"];
	    }
	}
	export class InboxSettings {
	    id: string;
	    name: string;
	    kind: string;
	    emailSignin: boolean;
	    googleSignin: boolean;
	    transcriptAfter: boolean;
	    idleEndMinutes: number;
	    mailGate: MailGate;
	    phoneNumber: string;
	    hasAuthToken: boolean;
	    voiceUrl: string;
	    statusUrl: string;
	    forwardTo: string;
	
	    static createFrom(source: any = {}) {
	        return new InboxSettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	        this.kind = source["kind"];
	        this.emailSignin = source["emailSignin"];
	        this.googleSignin = source["googleSignin"];
	        this.transcriptAfter = source["transcriptAfter"];
	        this.idleEndMinutes = source["idleEndMinutes"];
	        this.mailGate = this.convertValues(source["mailGate"], MailGate);
	        this.phoneNumber = source["phoneNumber"];
	        this.hasAuthToken = source["hasAuthToken"];
	        this.voiceUrl = source["voiceUrl"];
	        this.statusUrl = source["statusUrl"];
	        this.forwardTo = source["forwardTo"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class MailSettings {
	    smtp?: AccountView;
	    imap?: AccountView;
	    bounce?: AccountView;
	    keyringAvailable: boolean;
	    keyringProblem: string;
	
	    static createFrom(source: any = {}) {
	        return new MailSettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.smtp = this.convertValues(source["smtp"], AccountView);
	        this.imap = this.convertValues(source["imap"], AccountView);
	        this.bounce = this.convertValues(source["bounce"], AccountView);
	        this.keyringAvailable = source["keyringAvailable"];
	        this.keyringProblem = source["keyringProblem"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class MailboxWatchView {
	    configured: boolean;
	    connected: boolean;
	    lastError: string;
	    lastPoll: string;
	    mode: string;
	    lastErrorAt: string;
	    retryingSince: string;
	
	    static createFrom(source: any = {}) {
	        return new MailboxWatchView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.configured = source["configured"];
	        this.connected = source["connected"];
	        this.lastError = source["lastError"];
	        this.lastPoll = source["lastPoll"];
	        this.mode = source["mode"];
	        this.lastErrorAt = source["lastErrorAt"];
	        this.retryingSince = source["retryingSince"];
	    }
	}
	
	
	export class Organization {
	    id: string;
	    name: string;
	
	    static createFrom(source: any = {}) {
	        return new Organization(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.name = source["name"];
	    }
	}
	export class SenderEmail {
	    address: string;
	    status: string;
	
	    static createFrom(source: any = {}) {
	        return new SenderEmail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.address = source["address"];
	        this.status = source["status"];
	    }
	}
	export class Overview {
	    organization: Organization;
	    inboxes: Inbox[];
	    counts: Counts;
	    senderEmail?: SenderEmail;
	
	    static createFrom(source: any = {}) {
	        return new Overview(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.organization = this.convertValues(source["organization"], Organization);
	        this.inboxes = this.convertValues(source["inboxes"], Inbox);
	        this.counts = this.convertValues(source["counts"], Counts);
	        this.senderEmail = this.convertValues(source["senderEmail"], SenderEmail);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RegulatorySettings {
	    doubleOptIn: boolean;
	    consentText: string;
	
	    static createFrom(source: any = {}) {
	        return new RegulatorySettings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.doubleOptIn = source["doubleOptIn"];
	        this.consentText = source["consentText"];
	    }
	}
	export class Replica {
	    path: string;
	    bytes: number;
	    conversations: number;
	    contacts: number;
	
	    static createFrom(source: any = {}) {
	        return new Replica(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.path = source["path"];
	        this.bytes = source["bytes"];
	        this.conversations = source["conversations"];
	        this.contacts = source["contacts"];
	    }
	}
	export class SavedFile {
	    saved: boolean;
	    path: string;
	
	    static createFrom(source: any = {}) {
	        return new SavedFile(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.saved = source["saved"];
	        this.path = source["path"];
	    }
	}
	
	export class SenderEmailView {
	    address: string;
	    status: string;
	    verifiedAt: string;
	    verifiedMethod: string;
	    linkSentAt: string;
	    linkBounced: string;
	    linkBouncedAt: string;
	
	    static createFrom(source: any = {}) {
	        return new SenderEmailView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.address = source["address"];
	        this.status = source["status"];
	        this.verifiedAt = source["verifiedAt"];
	        this.verifiedMethod = source["verifiedMethod"];
	        this.linkSentAt = source["linkSentAt"];
	        this.linkBounced = source["linkBounced"];
	        this.linkBouncedAt = source["linkBouncedAt"];
	    }
	}
	export class SenderState {
	    canManage: boolean;
	    verified?: SenderEmailView;
	    pending?: SenderEmailView;
	    mailbox: MailboxWatchView;
	
	    static createFrom(source: any = {}) {
	        return new SenderState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.canManage = source["canManage"];
	        this.verified = this.convertValues(source["verified"], SenderEmailView);
	        this.pending = this.convertValues(source["pending"], SenderEmailView);
	        this.mailbox = this.convertValues(source["mailbox"], MailboxWatchView);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SetupRequest {
	    organizationName: string;
	    ownerName: string;
	    ownerEmail: string;
	
	    static createFrom(source: any = {}) {
	        return new SetupRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.organizationName = source["organizationName"];
	        this.ownerName = source["ownerName"];
	        this.ownerEmail = source["ownerEmail"];
	    }
	}
	export class SetupState {
	    version: string;
	    dataDir: string;
	    problem?: startup.Problem;
	    needsSetup: boolean;
	    organization?: Organization;
	    me?: Agent;
	
	    static createFrom(source: any = {}) {
	        return new SetupState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.version = source["version"];
	        this.dataDir = source["dataDir"];
	        this.problem = this.convertValues(source["problem"], startup.Problem);
	        this.needsSetup = source["needsSetup"];
	        this.organization = this.convertValues(source["organization"], Organization);
	        this.me = this.convertValues(source["me"], Agent);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SigninRequest {
	    serverUrl: string;
	    email: string;
	    code: string;
	    link: string;
	    name: string;
	
	    static createFrom(source: any = {}) {
	        return new SigninRequest(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.serverUrl = source["serverUrl"];
	        this.email = source["email"];
	        this.code = source["code"];
	        this.link = source["link"];
	        this.name = source["name"];
	    }
	}
	export class TeamStatus {
	    phase: string;
	    online: boolean;
	    offlineSince: string;
	    lastError: string;
	    retryInSeconds: number;
	    copy: CopyProgress;
	    recopying: boolean;
	    recopyReason: string;
	    kept: number;
	
	    static createFrom(source: any = {}) {
	        return new TeamStatus(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.phase = source["phase"];
	        this.online = source["online"];
	        this.offlineSince = source["offlineSince"];
	        this.lastError = source["lastError"];
	        this.retryInSeconds = source["retryInSeconds"];
	        this.copy = this.convertValues(source["copy"], CopyProgress);
	        this.recopying = source["recopying"];
	        this.recopyReason = source["recopyReason"];
	        this.kept = source["kept"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class TeamState {
	    mode: string;
	    serverUrl: string;
	    organizationName: string;
	    agentName: string;
	    agentEmail: string;
	    pendingEmail: string;
	    pendingServer: string;
	    invitationLink: string;
	    ended: string;
	    endedMessage: string;
	    status: TeamStatus;
	    replica: Replica;
	
	    static createFrom(source: any = {}) {
	        return new TeamState(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.mode = source["mode"];
	        this.serverUrl = source["serverUrl"];
	        this.organizationName = source["organizationName"];
	        this.agentName = source["agentName"];
	        this.agentEmail = source["agentEmail"];
	        this.pendingEmail = source["pendingEmail"];
	        this.pendingServer = source["pendingServer"];
	        this.invitationLink = source["invitationLink"];
	        this.ended = source["ended"];
	        this.endedMessage = source["endedMessage"];
	        this.status = this.convertValues(source["status"], TeamStatus);
	        this.replica = this.convertValues(source["replica"], Replica);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	
	export class TestResult {
	    ok: boolean;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new TestResult(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ok = source["ok"];
	        this.message = source["message"];
	    }
	}

}

export namespace startup {
	
	export class Problem {
	    code: string;
	    title: string;
	    detail: string;
	    path: string;
	
	    static createFrom(source: any = {}) {
	        return new Problem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.title = source["title"];
	        this.detail = source["detail"];
	        this.path = source["path"];
	    }
	}

}

export namespace transcript {
	
	export class TranscriptDocument {
	    html: string;
	    title: string;
	    fileName: string;
	
	    static createFrom(source: any = {}) {
	        return new TranscriptDocument(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.html = source["html"];
	        this.title = source["title"];
	        this.fileName = source["fileName"];
	    }
	}
	export class TranscriptSending {
	    id: string;
	    number: number;
	    status: string;
	    attempts: number;
	    error: string;
	    reason: string;
	    to: string;
	    requestedBy: string;
	    createdAt: string;
	    updatedAt: string;
	    sentAt: string;
	    nextAttemptAt: string;
	    bouncedAt: string;
	
	    static createFrom(source: any = {}) {
	        return new TranscriptSending(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.number = source["number"];
	        this.status = source["status"];
	        this.attempts = source["attempts"];
	        this.error = source["error"];
	        this.reason = source["reason"];
	        this.to = source["to"];
	        this.requestedBy = source["requestedBy"];
	        this.createdAt = source["createdAt"];
	        this.updatedAt = source["updatedAt"];
	        this.sentAt = source["sentAt"];
	        this.nextAttemptAt = source["nextAttemptAt"];
	        this.bouncedAt = source["bouncedAt"];
	    }
	}
	export class TranscriptSendings {
	    sendings: TranscriptSending[];
	    canResend: boolean;
	    resendBlocked: string;
	
	    static createFrom(source: any = {}) {
	        return new TranscriptSendings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.sendings = this.convertValues(source["sendings"], TranscriptSending);
	        this.canResend = source["canResend"];
	        this.resendBlocked = source["resendBlocked"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}

}

