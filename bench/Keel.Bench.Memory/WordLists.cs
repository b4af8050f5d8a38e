namespace Keel.Bench.Memory;

/// <summary>The vocabulary the corpus and the queries are drawn from.</summary>
internal static class WordLists
{
    public static readonly string[] FirstNames =
    [
        "Maria", "James", "Aisha", "Chen", "Olivia", "Mateo", "Priya", "Lukas", "Fatima", "Noah", "Yuki", "Elena", "Omar", "Sofia",
        "Daniel", "Amara", "Hiroshi", "Chloe", "Rafael", "Ingrid", "Kwame", "Leila", "Tomas", "Nadia", "Ethan", "Zara", "Mikhail",
        "Grace", "Diego", "Hannah", "Arjun", "Isabel", "Felix", "Mei", "Samuel", "Lucia", "Jonas", "Ayumi", "Victor", "Clara",
        "Ibrahim", "Emma", "Pablo", "Anika", "Oscar", "Rosa", "Kenji", "Freya", "Marcus", "Amelie", "Tariq", "Julia", "Andrei",
        "Nora", "Ravi", "Sienna", "Hugo", "Layla", "Bruno", "Ana", "Kofi", "Greta", "Sebastian", "Yasmin", "Liam", "Marta", "Anton",
        "Beatriz", "Joaquin", "Elif", "Gabriel", "Saoirse", "Malik", "Ines", "Dmitri", "Lena", "Caleb", "Rania", "Emil", "Paula",
        "Tobias", "Zainab", "Henrik", "Camila", "Ahmed", "Astrid", "Luca", "Wen", "Nicolas", "Dalia", "Kai", "Mira", "Stefan",
        "Aylin", "Theo", "Carmen", "Jamal", "Vera", "Adrian", "Sana",
    ];

    public static readonly string[] LastNames =
    [
        "Lopez", "Okafor", "Tanaka", "Schmidt", "Novak", "Haddad", "Kowalski", "Silva", "Nguyen", "Petrov", "Rossi", "Andersen",
        "Mensah", "Gupta", "Moreau", "Fischer", "Costa", "Yilmaz", "Kim", "Walsh", "Ibrahim", "Larsen", "Dubois", "Herrera",
        "Sato", "Mwangi", "Kaur", "Bauer", "Fernandes", "Ivanova", "Quinn", "Abadi", "Lindqvist", "Ortega", "Park", "Reyes",
        "Sokolov", "Varga", "Weber", "Zhou", "Bianchi", "Chowdhury", "Eriksen", "Garcia", "Hoffmann", "Jensen", "Kaya", "Mbeki",
        "Nakamura", "Oliveira",
    ];

    public static readonly string[] Cities =
    [
        "Lisbon", "Osaka", "Nairobi", "Toronto", "Krakow", "Valparaiso", "Edinburgh", "Hanoi", "Montreal", "Seville", "Tbilisi",
        "Melbourne", "Porto", "Kyoto", "Accra", "Vancouver", "Bergen", "Cusco", "Marrakech", "Ljubljana", "Bologna", "Dublin",
        "Istanbul", "Seoul", "Oaxaca", "Reykjavik", "Tallinn", "Cape Town", "Wellington", "Austin", "Lyon", "Hamburg", "Prague",
        "Buenos Aires", "Chiang Mai", "Zanzibar", "Granada", "Copenhagen", "Helsinki", "Vienna", "Budapest", "Athens", "Naples",
        "Bordeaux", "Santiago", "Lima", "Bogota", "Havana", "Quebec City", "Portland", "Denver", "Savannah", "Boise", "Halifax",
        "Hobart", "Queenstown", "Bali", "Goa", "Kathmandu", "Tashkent", "Riga", "Vilnius", "Split", "Sarajevo", "Salzburg",
        "Antwerp", "Utrecht", "Malmo", "Tromso", "Galway",
    ];

    public static readonly string[] Foods =
    [
        "sushi", "pad thai", "lasagna", "ramen", "tacos al pastor", "falafel", "paella", "pho", "dumplings", "moussaka", "bibimbap",
        "goulash", "ceviche", "biryani", "pierogi", "risotto", "shakshuka", "jollof rice", "tiramisu", "croissants", "pavlova",
        "kimchi stew", "fish and chips", "empanadas", "green curry", "mac and cheese", "baklava", "feijoada", "okonomiyaki",
        "lentil soup", "blue cheese", "olives", "cilantro", "mushrooms", "anchovies", "liquorice", "oysters", "beetroot", "tofu",
        "dark chocolate",
    ];

    public static readonly string[] Hobbies =
    [
        "pottery", "salsa dancing", "rock climbing", "watercolour painting", "the cello", "Spanish", "Japanese", "woodworking",
        "photography", "chess", "bouldering", "swimming", "yoga", "archery", "sailing", "fencing", "piano", "guitar", "knitting",
        "improv theatre", "baking sourdough", "birdwatching", "calligraphy", "trail running", "kayaking", "tango", "jiu-jitsu",
        "gardening", "astronomy", "beekeeping",
    ];

    public static readonly string[] Jobs =
    [
        "nurse", "data analyst", "architect", "high school teacher", "product manager", "electrician", "chef", "paramedic",
        "software engineer", "graphic designer", "pharmacist", "journalist", "veterinarian", "accountant", "pilot", "librarian",
        "marine biologist", "physiotherapist", "lawyer", "barista", "carpenter", "translator", "dentist", "sound engineer",
        "urban planner", "firefighter", "museum curator", "social worker", "park ranger", "UX researcher",
    ];

    public static readonly string[] Companies =
    [
        "a small bakery", "the city hospital", "a shipping company", "a video game studio", "the public library", "a solar startup",
        "a law firm downtown", "the university", "an airline", "a bike shop", "a marketing agency", "the local newspaper",
        "a vineyard", "a children's charity", "a car factory", "an insurance company", "a hotel chain", "a logistics firm",
        "a bookshop", "a biotech lab",
    ];

    public static readonly string[] Pets = ["dog", "cat", "rabbit", "parrot", "tortoise", "hamster", "ferret", "goldfish", "puppy", "kitten", "gecko", "horse"];

    public static readonly string[] PetAdjectives = ["tiny", "fluffy", "grumpy", "three-legged", "rescue", "elderly", "shy", "energetic", "ginger", "black", "spotted", "deaf"];

    public static readonly string[] PetNames =
    [
        "Biscuit", "Luna", "Pepper", "Milo", "Olive", "Ziggy", "Mochi", "Captain", "Pickles", "Nala", "Bruno", "Waffles", "Tofu",
        "Juniper", "Rocket", "Maple", "Pixel", "Noodle", "Otis", "Clementine",
    ];

    public static readonly string[] Months =
    [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    ];

    public static readonly string[] Weekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

    public static readonly string[] Relations =
    [
        "sister", "brother", "cousin", "neighbour", "colleague", "best friend", "aunt", "uncle", "roommate", "mother", "father",
        "grandmother", "boss", "old classmate", "niece", "nephew", "partner", "landlord",
    ];

    public static readonly string[] Places =
    [
        "the rooftop bar", "their garden", "the Italian place on Main Street", "the community hall", "the beach house",
        "the climbing gym", "the botanical garden", "a karaoke bar", "the lake cabin", "the old brewery", "the art museum cafe",
        "the bowling alley", "the riverside park", "a jazz club", "the farmers market",
    ];

    public static readonly string[] Books =
    [
        "The Overstory", "Piranesi", "Educated", "Klara and the Sun", "The Name of the Wind", "Sapiens", "Circe", "Dune",
        "The Remains of the Day", "Project Hail Mary", "Pachinko", "Normal People", "The Midnight Library", "Born a Crime",
        "A Gentleman in Moscow", "The Road", "Middlemarch", "Station Eleven", "Atomic Habits", "The Hobbit",
    ];

    public static readonly string[] Bands =
    [
        "Radiohead", "Fleetwood Mac", "Bad Bunny", "Taylor Swift", "Daft Punk", "Nina Simone", "Arctic Monkeys", "Bon Iver",
        "Beyonce", "Miles Davis", "Kendrick Lamar", "ABBA", "Rosalia", "The Beatles", "Billie Eilish", "Coldplay",
    ];

    public static readonly string[] BodyParts = ["ankle", "wrist", "knee", "shoulder", "back", "elbow", "finger", "hamstring", "neck", "hip"];

    public static readonly string[] Sports = ["football", "tennis", "basketball", "squash", "volleyball", "hockey", "badminton", "rugby", "cricket", "padel"];

    public static readonly string[] Appointments = ["dentist", "eye test", "car service", "haircut", "doctor", "vet", "tax advisor", "physio", "bank", "passport"];

    public static readonly string[] Colours = ["red", "navy", "green", "yellow", "silver", "black", "white", "orange", "purple", "teal"];

    public static readonly string[] Items =
    [
        "bicycle", "sofa", "laptop", "camera", "winter coat", "espresso machine", "tent", "electric scooter", "guitar", "rug",
        "desk lamp", "pair of hiking boots", "dining table", "sewing machine", "telescope",
    ];

    public static readonly string[] Weather =
    [
        "it rained the whole week", "it was freezing", "the sun never stopped", "it was so humid", "there was a huge storm",
        "it snowed on the last day", "the wind was unbelievable", "it was foggy every morning",
    ];

    public static readonly string[] Feelings = ["thrilled", "exhausted", "nervous", "relieved", "a bit homesick", "proud", "overwhelmed", "so happy", "frustrated", "calm"];

    public static readonly string[] Durations = ["a weekend", "ten days", "two weeks", "a month", "three nights", "a long weekend", "five days"];

    // Unrelated questions: general knowledge and how-to that no memory answers.
    public static readonly string[] Countries =
    [
        "Mongolia", "Peru", "Finland", "Ghana", "Vietnam", "Uruguay", "Slovenia", "Nepal", "Morocco", "Iceland", "Chile", "Kenya",
        "Estonia", "Laos", "Bhutan", "Malta",
    ];

    public static readonly string[] Concepts =
    [
        "quantum entanglement", "compound interest", "photosynthesis", "the blockchain", "inflation", "plate tectonics",
        "general relativity", "natural selection", "a hash table", "the immune system", "supply and demand", "black holes",
        "machine learning", "the greenhouse effect", "recursion", "the stock market", "vaccines", "nuclear fusion",
    ];

    public static readonly string[] Tasks =
    [
        "reset a router", "unclog a drain", "change a flat tyre", "write a cover letter", "bleed a radiator", "file taxes online",
        "descale a kettle", "replace a light switch", "set up a VPN", "grow tomatoes on a balcony", "remove a wine stain",
        "back up a phone", "tie a bowline knot", "patch drywall", "sharpen a kitchen knife", "negotiate a salary",
    ];

    public static readonly string[] Things =
    [
        "the tallest mountain in Africa", "the speed of light", "the boiling point of tungsten", "the longest river in Asia",
        "the population of Canada", "the deepest lake in the world", "the largest moon of Saturn", "the oldest university in Europe",
        "the melting point of gold", "the distance to the Moon", "the most spoken language", "the smallest country",
    ];
}
