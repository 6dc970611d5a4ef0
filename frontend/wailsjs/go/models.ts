export namespace services {
	
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
	export class StartupProblem {
	    code: string;
	    title: string;
	    detail: string;
	    path: string;
	
	    static createFrom(source: any = {}) {
	        return new StartupProblem(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.title = source["title"];
	        this.detail = source["detail"];
	        this.path = source["path"];
	    }
	}
	export class SetupState {
	    version: string;
	    dataDir: string;
	    problem?: StartupProblem;
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
	        this.problem = this.convertValues(source["problem"], StartupProblem);
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

}

