package seed

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// The vocabulary the generator draws from: names, domains, numbers, products and the scripted
// conversations (topics) that make generated chats read like real support chats.

var firstNames = []string{
	"Ada", "Adrian", "Aisha", "Alex", "Alice", "Amara", "Amelia", "Ana", "Andre", "Anna", "Arjun", "Ben",
	"Bianca", "Carla", "Carlos", "Chen", "Chloe", "Daniel", "David", "Diego", "Elena", "Elif", "Emma",
	"Ethan", "Fatima", "Felix", "Finn", "Freya", "Gabriel", "Grace", "Hannah", "Hiro", "Ines", "Isaac",
	"Isabel", "Ivan", "Jack", "James", "Jana", "Jonas", "Julia", "Kai", "Karim", "Keiko", "Laura", "Leo",
	"Lena", "Liam", "Lucas", "Lucy", "Maya", "Marco", "Maria", "Mateo", "Mei", "Mia", "Mohammed", "Nadia",
	"Noah", "Nora", "Olga", "Oliver", "Omar", "Paula", "Pedro", "Priya", "Rafael", "Rosa", "Ruth", "Sam",
	"Sara", "Sofia", "Tariq", "Thomas", "Tom", "Valentina", "Victor", "Wei", "Yusuf", "Zoe",
}

var lastNames = []string{
	"Adams", "Ahmed", "Alvarez", "Andersen", "Baker", "Becker", "Bianchi", "Brown", "Campbell", "Chen",
	"Clark", "Costa", "Cruz", "Davis", "Dubois", "Evans", "Fischer", "Garcia", "Gonzalez", "Green", "Hall",
	"Hansen", "Hughes", "Ivanova", "Jackson", "Jensen", "Johnson", "Kaur", "Khan", "Kim", "Kowalski",
	"Larsen", "Lee", "Lopez", "Martin", "Martinez", "Meyer", "Miller", "Moreau", "Muller", "Murphy",
	"Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Patel", "Perez", "Petrov", "Ramirez", "Reyes",
	"Ricci", "Roberts", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Smith", "Sato", "Suzuki",
	"Taylor", "Thomas", "Torres", "Wagner", "Walker", "Wang", "Weber", "White", "Williams", "Wilson",
	"Wright", "Yamamoto", "Young", "Zhang",
}

var personalDomains = []string{
	"gmail.com", "gmail.com", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com",
	"proton.me", "gmx.de", "web.de", "orange.fr", "aol.com", "live.com", "mail.com", "fastmail.com",
}

var workDomains = []string{
	"acme-corp.com", "globex.io", "initech.com", "umbrella.co", "hooli.com", "stark-industries.com",
	"wayne-enterprises.com", "soylent.co", "vandelay.com", "dundermifflin.com", "piedpiper.io",
	"wonka.co.uk", "tyrell.ai", "cyberdyne.tech", "oscorp.net", "massive-dynamic.com",
}

var usAreaCodes = []int{
	201, 202, 203, 205, 206, 207, 208, 212, 213, 214, 215, 216, 303, 305, 310, 312, 313, 314, 323, 404,
	407, 412, 415, 503, 512, 602, 612, 617, 646, 702, 713, 718, 720, 773, 786, 801, 804, 808, 818, 917,
	919, 971,
}

var deMobilePrefixes = []string{
	"151", "152", "157", "159", "160", "162", "163", "170", "171", "172", "173", "174", "175", "176",
	"177", "178",
}

var products = []string{
	"trail backpack", "rain jacket", "hiking boot", "sleeping bag", "camping stove", "headlamp",
	"water filter", "tent", "fleece hoodie", "trekking pole set", "gift card", "dry bag",
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

var plans = []string{"Basic", "Plus", "Family", "Pro"}

type topic struct {
	openers, details, replies, callNotes []string
}

var topics = []topic{
	{ // delivery
		openers: []string{
			"Hi, my order {order} still hasn't arrived. It was supposed to be here on {day}.",
			"Hello! Where is my package? Order {order}, the tracking hasn't moved in {days} days.",
			"hey, tracking for {order} says delivered but there's nothing at my door",
			"Good morning, I ordered a {product} last week and haven't received any shipping email.",
		},
		details: []string{
			"The order number is {order}.",
			"I checked with my neighbours, nobody has it.",
			"Yes, the address is correct, same as always.",
			"It's a present so I really need it by {day}.",
			"Can you send it again or should I wait a few more days?",
			"ok, thanks for checking",
		},
		replies: []string{
			"I've looked up {order}: the carrier scanned it yesterday, it should reach you by {day}.",
			"Sorry about that! I've opened a trace with the carrier (ticket {ticket}).",
			"I can send a replacement today by express shipping, at no cost to you.",
			"The parcel is at your local pickup point, you'll get a text with the code.",
			"Could you confirm the delivery address on the order for me?",
		},
		callNotes: []string{
			"Customer called about order {order}, tracking stuck. Opened carrier trace {ticket}.",
			"Call: parcel marked delivered but not received. Replacement {product} sent by express.",
			"Caller wanted a delivery date for {order}; confirmed {day}.",
		},
	},
	{ // returns and refunds
		openers: []string{
			"Hi, I'd like to return the {product} I bought, it's too small.",
			"I sent back order {order} two weeks ago and still no refund.",
			"Hello, how do I return a {product}? It arrived damaged.",
			"The {product} broke after two trips. Can I get a refund?",
		},
		details: []string{
			"I still have the box and the receipt.",
			"The refund should be {amount}.",
			"I'd prefer a refund rather than store credit.",
			"It was shipped back with the label you sent on {day}.",
			"I can send photos of the damage if that helps.",
		},
		replies: []string{
			"No problem, I've emailed you a prepaid return label.",
			"Your refund of {amount} was issued today; it takes 3 to 5 business days to show.",
			"Thanks for the photos. I've approved the return under warranty.",
			"We received the parcel on {day}; the refund is on its way.",
			"Would you like an exchange for a bigger size instead?",
		},
		callNotes: []string{
			"Customer called to return a {product}. Label sent by email.",
			"Call about missing refund for {order}: refund of {amount} re-issued.",
			"Warranty claim by phone for a broken {product}, approved.",
		},
	},
	{ // account and sign-in
		openers: []string{
			"I can't log in to my account, it says my password is wrong.",
			"Hi, I never got the sign-in code email.",
			"How do I change the email address on my account?",
			"Hello, my account seems to be locked.",
		},
		details: []string{
			"I've tried resetting the password twice.",
			"I checked the spam folder too.",
			"I'm using the same email I always use.",
			"It works on my phone but not on the laptop.",
			"I got it now, thank you!",
		},
		replies: []string{
			"I've sent you a new sign-in code, it's valid for 10 minutes.",
			"Your account was locked after too many attempts; I've unlocked it.",
			"To change your email, go to Settings, then Account, then Email.",
			"Could you try again in a private browser window?",
			"For security I need to verify your email first; I've sent you a code.",
		},
		callNotes: []string{
			"Caller locked out of account. Verified identity, unlocked.",
			"Phone request to change account email; verification code sent.",
		},
	},
	{ // billing
		openers: []string{
			"I was charged twice for order {order}.",
			"Hi, can I get an invoice for my last order? I need it for work.",
			"Why was I charged {amount} this month? I'm on the {plan} plan.",
			"Hello, I'd like to cancel my {plan} membership.",
		},
		details: []string{
			"Both charges show on my card statement.",
			"The company name for the invoice is on my profile.",
			"I didn't upgrade anything.",
			"Please cancel it from the end of this month.",
			"Great, that's all I needed.",
		},
		replies: []string{
			"You're right, the second charge of {amount} was a mistake; I've refunded it.",
			"I've emailed you the invoice for {order}.",
			"The {plan} plan renewed on {day}; I can refund it if you didn't mean to renew.",
			"Your membership is cancelled and stays active until the end of the month.",
		},
		callNotes: []string{
			"Double charge on {order} reported by phone, refund of {amount} issued.",
			"Caller asked to cancel {plan} membership; cancelled, confirmation emailed.",
		},
	},
	{ // product questions
		openers: []string{
			"Is the {product} waterproof?",
			"Hi! Do you have the {product} in blue?",
			"What's the difference between the two {product} models?",
			"When will the {product} be back in stock?",
		},
		details: []string{
			"I'm going hiking in Scotland next month.",
			"I need it in a size M.",
			"Can I pre-order it?",
			"Perfect, I'll order it today.",
		},
		replies: []string{
			"Yes, it's rated for heavy rain, fully taped seams.",
			"The blue one is back in stock on {day}; I can put one aside for you.",
			"The newer model is 200 g lighter and has a second pocket.",
			"We expect new stock in about {days} days.",
		},
		callNotes: []string{
			"Product question about the {product}; customer ordered by phone ({order}).",
			"Caller asked about restock of the {product}; added to the waiting list.",
		},
	},
}

var agentGreetings = []string{
	"Hi {first}, this is {agent}, I'll help you with that.",
	"Hello {first}! Thanks for reaching out, let me check.",
	"Hi {first}, thanks for waiting. One moment please.",
	"Good to hear from you, {first}. Let me have a look.",
}

var agentClosings = []string{
	"Is there anything else I can help you with?",
	"Glad I could help, have a great day!",
	"You're welcome, {first}. Take care!",
	"I'll follow up by email if anything changes.",
}

var customerClosings = []string{
	"Thank you so much!",
	"thanks, that helps",
	"Great, thanks {agent}.",
	"OK, I'll wait then.",
	"Perfect, have a nice day.",
	"Thanks for the quick answer!",
}

// filler replaces the {placeholders} of a message template.
type filler struct {
	r            *rand.Rand
	first, agent string
}

func (f filler) text(tpl string) string {
	if !strings.Contains(tpl, "{") {
		return tpl
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		j := strings.IndexByte(tpl[i:], '}')
		if j < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:i])
		b.WriteString(f.value(tpl[i+1 : i+j]))
		tpl = tpl[i+j+1:]
	}
}

func (f filler) value(key string) string {
	r := f.r
	switch key {
	case "order":
		return "#" + strconv.Itoa(100_000+r.IntN(900_000))
	case "first":
		if f.first == "" {
			return "there"
		}
		return f.first
	case "agent":
		return f.agent
	case "product":
		return pick(r, products)
	case "day":
		return pick(r, weekdays)
	case "amount":
		return "$" + strconv.Itoa(5+r.IntN(300)) + "." + fmt.Sprintf("%02d", r.IntN(100))
	case "plan":
		return pick(r, plans)
	case "days":
		return strconv.Itoa(2 + r.IntN(12))
	case "ticket":
		return "VD-" + strconv.Itoa(1000+r.IntN(9000))
	}
	return "{" + key + "}"
}

// The word lists below are the raw material of the generated content.
