"""Word lists for synthetic text, handles and profiles, written for Lockstep (no external data).

Organic text is built from six slots, each indexed by bits of a per-post seed, so a post's text is
a pure function of its row and can be rebuilt for any row (reposts quote their target's text).
"""

from __future__ import annotations

OPENERS = ("honestly", "so", "just saw that", "ok but", "today", "wow", "finally", "not gonna lie",
           "lol", "can't believe", "anyone else think", "quick thought:", "update:", "hot take:",
           "reminder:", "me when", "imagine if", "pretty sure", "apparently", "ngl", "listen,",
           "fun fact:", "so yeah", "well", "morning thought:", "this week", "real talk:", "i swear",
           "big news:", "small win:", "my take:", "psa:")
SUBJECTS = ("the game last night", "my coffee", "this weather", "the new album", "work", "traffic on the bridge",
            "the season finale", "my cat", "the neighbours", "our local team", "the bus", "this recipe",
            "the new phone", "my landlord", "the city council", "that interview", "the playoffs",
            "the concert", "my garden", "the school run", "this podcast", "the price of eggs",
            "the election debate", "my sourdough", "the gym", "the weekend", "this book", "the movie",
            "the road works", "my inbox", "the train", "the new cafe", "grad school", "the dog park",
            "the housing market", "my group chat", "the farmers market", "the trailer", "our build",
            "the heatwave", "the storm", "the update", "the meeting", "the match", "this song",
            "the queue at the bank", "the internet", "my playlist", "the festival", "the library")
VERBS = ("is", "was", "keeps being", "feels", "looks", "turned out", "is somehow", "got", "seems",
         "has been", "might be", "was honestly", "is lowkey", "is highkey", "became", "is still",
         "was kind of", "is literally", "sounds", "ended up")
ADJECTIVES = ("amazing", "a mess", "so slow", "better than expected", "wild", "overrated", "underrated",
              "perfect", "exhausting", "hilarious", "confusing", "beautiful", "loud", "expensive",
              "cheap", "chaotic", "calm", "brilliant", "terrible", "fine I guess", "unreal", "weird",
              "a vibe", "too much", "not it", "so good", "incredible", "boring", "fun", "stressful",
              "impressive", "painful", "cozy", "bizarre", "ok", "legendary", "sketchy", "iconic",
              "forgettable", "gorgeous")
TAILS = ("again", "tbh", "right now", "this morning", "tonight", "for real", "as usual", "somehow",
         "and I'm here for it", "no notes", "send help", "10/10", "I guess", "lmao", "honestly",
         "every single time", "who knew", "if you ask me", "and nobody talks about it", "today",
         "this year", "😂", "🙃", "🔥", "❤️", "👀", "🙏", "!!", "...", "?", "😭", "✨")
CLOSERS = ("", "", "", "", "anyway", "thoughts?", "more later", "that's it", "bye", "👋", "fr",
           "#justsaying", "ok back to work", "what a day", "can't wait", "pray for me")

SUBJECT_TAILS = tuple(dict.fromkeys(s.split()[-1] for s in SUBJECTS))

REPLY_BITS = ("agreed", "this!", "so true", "lol same", "no way", "facts", "hard disagree", "source?",
              "ha", "exactly", "came here to say this", "underrated take", "yes!!", "oh no", "wait what",
              "love this", "same here", "big if true", "thank you", "this is the one")

COMMON_PHRASES = ("good morning", "Good morning everyone!", "gm", "RT if you agree", "Happy Friday!",
                  "Thank you!", "This is huge", "Happy Monday", "good night", "Let's go!",
                  "So proud of you", "Happy birthday!", "Congratulations!", "Stay safe everyone",
                  "Can't wait!", "Follow for follow", "This.", "Facts", "Amen", "Wow")

FIRST_NAMES = ("james", "mary", "john", "linda", "michael", "sarah", "david", "emma", "daniel", "olivia",
               "chris", "sophia", "matt", "ava", "ryan", "mia", "kevin", "chloe", "jason", "grace",
               "brian", "zoe", "eric", "lily", "tom", "anna", "nick", "ella", "sam", "kate", "alex",
               "maria", "jose", "ana", "luis", "carmen", "raj", "priya", "yuki", "kenji", "li", "wei",
               "fatima", "omar", "ivan", "olga", "pierre", "julie", "hans", "greta", "marco", "giulia",
               "tyler", "ashley", "brandon", "megan", "jordan", "taylor", "casey", "riley")
LAST_NAMES = ("smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "martin",
              "lopez", "wilson", "anderson", "thomas", "moore", "jackson", "white", "harris", "clark",
              "lewis", "walker", "young", "allen", "king", "wright", "scott", "green", "baker", "adams",
              "nelson", "hill", "campbell", "mitchell", "roberts", "carter", "phillips", "evans",
              "turner", "parker", "collins", "edwards", "stewart", "morris", "murphy", "cook", "rogers",
              "kim", "nguyen", "patel", "singh", "chen", "wang", "sato", "tanaka", "muller", "schmidt",
              "rossi", "dubois", "silva", "santos", "ivanova")
NOUNS = ("coffee", "pixel", "river", "maple", "tiger", "cloud", "atlas", "ember", "harbor", "comet",
         "willow", "falcon", "quartz", "meadow", "cobalt", "sparrow", "canyon", "lotus", "orbit",
         "cedar", "pepper", "biscuit", "nova", "juniper", "mango", "thunder", "velvet", "echo", "sage",
         "rocket", "panda", "otter", "raven", "summit", "breeze", "indigo", "marble", "saffron",
         "noodle", "waffle")
INTERESTS = ("coffee lover", "dog mom", "cat dad", "runner", "gamer", "bookworm", "foodie", "traveler",
             "photographer", "teacher", "nurse", "engineer", "student", "musician", "artist",
             "football fan", "hiker", "baker", "gardener", "writer", "designer", "developer",
             "film buff", "podcaster", "vegan", "parent of two", "retired", "night owl", "yogi",
             "history nerd")
BIO_TAILS = ("views my own", "she/her", "he/him", "they/them", "opinions are mine", "living my best life",
             "just here for the memes", "RTs are not endorsements", "coffee first", "🌿", "✨", "⚽",
             "🎮", "📚", "☕", "")
PATRIOT_BIOS = ("Proud patriot. Family, faith, freedom.", "Truth seeker. Wake up people!",
                "Mother. Wife. Patriot. #1 fan of my country", "Just a regular citizen who loves this country",
                "Independent thinker. No DMs.", "Fighting for the silent majority",
                "Real news, real people", "Concerned citizen | Veteran supporter")
TOPIC_WORDS = ("election", "border", "energy", "prices", "vaccine", "ukraine", "taiwan", "migration",
               "corruption", "media", "climate", "jobs", "taxes", "police", "schools", "healthcare",
               "farmers", "sanctions", "protest", "referendum")
STANCE = ("They don't want you to know about", "The truth about", "Wake up! Look at", "Why is nobody talking about",
          "Share before it's deleted:", "The real story behind", "Mainstream media hides", "Finally exposed:",
          "Everyone needs to see this about", "Disgraceful:")
OP_TAILS = ("Share this!", "Retweet!", "Spread the word.", "Do your own research.", "Enough is enough.",
            "We will not be silenced.", "Pass it on.", "The people deserve better.")
SYNONYMS = {"truth": "facts", "Share": "Spread", "real": "true", "Wake up!": "Open your eyes!",
            "nobody": "no one", "Everyone": "Everybody", "hides": "covers up", "deleted": "removed",
            "Disgraceful": "Shameful", "story": "news"}
EMOJI = ("🔥", "‼️", "👇", "😡", "🇺🇸", "💯", "⚠️", "👀")

TLDS = ("com", "com", "com", "net", "org", "info", "co.uk", "de", "news", "io")
SECTIONS = ("news", "politics", "world", "sport", "culture", "tech", "opinion", "local", "business", "life")
NEWS_OUTLETS = ("dailyherald", "morningpost", "citytribune", "globalwire", "nationaltimes", "eveningstar",
                "metrojournal", "courierpress", "thechronicle", "newsbeacon")
HEADLINE_SUBJECTS = ("Parliament", "Central bank", "Storm", "Star striker", "Tech giant", "Court",
                     "Health ministry", "Airline", "Prime minister", "Space agency", "Rail union",
                     "City mayor", "Film festival", "Oil price", "Researchers")
HEADLINE_VERBS = ("announces", "rejects", "hits", "signs", "delays", "unveils", "warns about", "wins",
                  "confirms", "cancels", "approves", "investigates")
HEADLINE_OBJECTS = ("new budget plan", "record losses", "coastal towns", "surprise transfer", "AI model",
                    "landmark ruling", "flu season measures", "summer strikes", "climate deal",
                    "moon mission", "housing reform", "rate cut", "major merger", "water shortage")
CITIES = {
    -8.0: ("Los Angeles, CA", "Seattle, WA", "San Francisco", "Portland, OR"),
    -7.0: ("Denver, CO", "Phoenix, AZ", "Salt Lake City"),
    -6.0: ("Chicago, IL", "Houston, TX", "Dallas", "Mexico City"),
    -5.0: ("New York, NY", "Atlanta, GA", "Miami, FL", "Boston", "Toronto", "Philadelphia, PA"),
    -4.0: ("Halifax", "Santiago"),
    -3.0: ("São Paulo", "Buenos Aires", "Rio de Janeiro"),
    0.0: ("London", "Manchester", "Dublin", "Lisbon"),
    1.0: ("Paris", "Berlin", "Madrid", "Rome", "Amsterdam", "Lagos"),
    2.0: ("Athens", "Kyiv", "Cairo", "Johannesburg", "Helsinki"),
    3.0: ("Moscow", "Istanbul", "Nairobi", "Riyadh"),
    3.5: ("Tehran",),
    5.5: ("Mumbai", "Delhi", "Bangalore"),
    7.0: ("Jakarta", "Bangkok"),
    8.0: ("Singapore", "Manila", "Perth", "Beijing"),
    9.0: ("Tokyo", "Seoul", "Osaka"),
    10.0: ("Sydney", "Melbourne", "Brisbane"),
}
LANG_OF_OFFSET = {-3.0: "pt", 1.0: "en", 2.0: "en", 3.0: "en", 9.0: "ja", 7.0: "id", 8.0: "en"}
CLIENTS = {
    "twitter": ("Twitter for iPhone", "Twitter for Android", "Twitter Web App", "TweetDeck",
                "Twitter for iPad", "Buffer", "Hootsuite Inc."),
    "telegram": ("Telegram Desktop", "Telegram Android", "Telegram iOS"),
    "facebook": ("Facebook for Android", "Facebook for iPhone", "Facebook Web"),
}
WEATHER = ("sunny", "cloudy", "light rain", "heavy rain", "windy", "fog", "clear", "snow showers")
