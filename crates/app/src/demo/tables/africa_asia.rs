//! Country tables: Africa, the Middle East and Asia, including a high-risk jurisdiction of the bundled pack (IR).

use super::{Country, city};

pub const NG: Country = Country {
    code: "NG",
    female: &[
        "Amara",
        "Ngozi",
        "Chiamaka",
        "Folake",
        "Aisha",
        "Adaeze",
        "Funmilayo",
        "Zainab",
    ],
    male: &[
        "Chinedu",
        "Emeka",
        "Oluwaseun",
        "Tunde",
        "Ibrahim",
        "Obinna",
        "Babatunde",
        "Musa",
    ],
    family: &[
        "Okafor", "Adeyemi", "Okonkwo", "Bello", "Eze", "Nwosu", "Abubakar", "Balogun", "Olawale",
        "Uche", "Danjuma", "Ogunleye",
    ],
    cities: &[
        city("Lagos", Some("Lagos"), None, "+234 803 N## ####"),
        city("Abuja", Some("FCT"), Some("900###"), "+234 806 N## ####"),
        city("Port Harcourt", Some("Rivers"), None, "+234 805 N## ####"),
    ],
    streets: &[
        "Marina Road",
        "Broad Street",
        "Awolowo Road",
        "Adeola Odeku Street",
    ],
    number_first: true,
    mobiles: &["+234 803 N## ####", "+234 813 N## ####"],
    banks: &["Zenith Bank", "Guaranty Trust Bank", "Access Bank"],
    passport: "A########",
    legal_forms: &["Limited", "Ltd"],
    registration: "RC ######",
    card_brands: &["visa", "mastercard"],
};

pub const KE: Country = Country {
    code: "KE",
    female: &["Wanjiru", "Akinyi", "Njeri", "Achieng", "Mumbua", "Chebet"],
    male: &["Kamau", "Otieno", "Mwangi", "Kiprop", "Odhiambo", "Mutua"],
    family: &[
        "Kariuki", "Ochieng", "Wafula", "Kimani", "Njoroge", "Kiplagat", "Omondi",
    ],
    cities: &[
        city("Nairobi", None, Some("00100"), "+254 72N ######"),
        city("Mombasa", None, Some("80100"), "+254 71N ######"),
    ],
    streets: &["Kenyatta Avenue", "Moi Avenue", "Ngong Road", "Waiyaki Way"],
    number_first: false,
    mobiles: &["+254 72N ######", "+254 70N ######"],
    banks: &["Equity Bank", "KCB Bank", "Co-operative Bank of Kenya"],
    passport: "AK#######",
    legal_forms: &["Limited"],
    registration: "PVT-@@@####",
    card_brands: &["visa", "mastercard"],
};

pub const AE: Country = Country {
    code: "AE",
    female: &["Fatima", "Mariam", "Noura", "Aisha", "Layla", "Hessa"],
    male: &["Omar", "Khalid", "Hamdan", "Saeed", "Rashid", "Yousef"],
    family: &[
        "Al Mansoori",
        "Al Hashimi",
        "Haddad",
        "Al Nuaimi",
        "Al Ketbi",
        "Al Marzouqi",
    ],
    cities: &[
        city("Dubai", Some("Dubai"), None, "+971 4 3## ####"),
        city("Abu Dhabi", Some("Abu Dhabi"), None, "+971 2 6## ####"),
    ],
    streets: &[
        "Sheikh Zayed Road",
        "Al Wasl Road",
        "Jumeirah Beach Road",
        "Corniche Road",
    ],
    number_first: true,
    mobiles: &["+971 50 N## ####", "+971 55 N## ####"],
    banks: &["Emirates NBD", "First Abu Dhabi Bank", "Mashreq Bank"],
    passport: "*********",
    legal_forms: &["FZ-LLC", "FZE", "L.L.C."],
    registration: "DMCC-######",
    card_brands: &["visa", "mastercard"],
};

pub const IR: Country = Country {
    code: "IR",
    female: &["Maryam", "Zahra", "Fatemeh", "Narges", "Leila", "Shirin"],
    male: &["Mohammad", "Ali", "Reza", "Hossein", "Mehdi", "Amir"],
    family: &[
        "Hosseini",
        "Mohammadi",
        "Ahmadi",
        "Rezaei",
        "Moradi",
        "Karimi",
        "Jafari",
    ],
    cities: &[
        city("Tehran", None, Some("1#########"), "+98 21 N### ####"),
        city("Isfahan", None, Some("81########"), "+98 31 N### ####"),
    ],
    streets: &[
        "Valiasr Street",
        "Enghelab Street",
        "Azadi Street",
        "Chaharbagh Street",
    ],
    number_first: false,
    mobiles: &["+98 912 N## ####", "+98 935 N## ####"],
    banks: &["Bank Melli Iran", "Bank Saderat Iran"],
    passport: "@########",
    legal_forms: &["Private Joint Stock Company"],
    registration: "######",
    card_brands: &["visa"],
};

pub const IN: Country = Country {
    code: "IN",
    female: &[
        "Priya", "Ananya", "Kavya", "Divya", "Meera", "Sneha", "Pooja", "Lakshmi",
    ],
    male: &[
        "Rahul", "Arjun", "Vikram", "Rohan", "Aditya", "Sanjay", "Karthik", "Amit",
    ],
    family: &[
        "Sharma",
        "Patel",
        "Iyer",
        "Reddy",
        "Gupta",
        "Nair",
        "Singh",
        "Kumar",
        "Mehta",
        "Rao",
        "Joshi",
        "Chatterjee",
    ],
    cities: &[
        city(
            "Mumbai",
            Some("Maharashtra"),
            Some("4000##"),
            "+91 22 2### ####",
        ),
        city(
            "Bengaluru",
            Some("Karnataka"),
            Some("5600##"),
            "+91 80 2### ####",
        ),
        city(
            "New Delhi",
            Some("Delhi"),
            Some("1100##"),
            "+91 11 2### ####",
        ),
    ],
    streets: &["MG Road", "Linking Road", "Brigade Road", "Nehru Place"],
    number_first: true,
    mobiles: &["+91 98### #####", "+91 99### #####"],
    banks: &["State Bank of India", "HDFC Bank", "ICICI Bank"],
    passport: "@#######",
    legal_forms: &["Private Limited", "Pvt. Ltd."],
    registration: "U72900MH20##PTC######",
    card_brands: &["visa", "mastercard", "rupay"],
};

pub const SG: Country = Country {
    code: "SG",
    female: &["Hui Min", "Shu Fen", "Nurul", "Priya", "Mei Ling", "Siti"],
    male: &[
        "Wei Jie", "Jun Hao", "Muhammad", "Kumar", "Zhi Wei", "Arjun",
    ],
    family: &[
        "Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua", "Koh", "Teo",
    ],
    cities: &[city("Singapore", None, Some("0#####"), "+65 62## ####")],
    streets: &[
        "Raffles Place",
        "Orchard Road",
        "Anson Road",
        "Cecil Street",
        "Shenton Way",
    ],
    number_first: true,
    mobiles: &["+65 91## ####", "+65 8N## ####"],
    banks: &["DBS Bank", "OCBC Bank", "United Overseas Bank"],
    passport: "E#######@",
    legal_forms: &["Pte. Ltd."],
    registration: "20#######@",
    card_brands: &["visa", "mastercard", "amex"],
};

pub const JP: Country = Country {
    code: "JP",
    female: &["Yui", "Haruka", "Sakura", "Aoi", "Misaki", "Yuna"],
    male: &["Haruto", "Sota", "Ren", "Takumi", "Kenji", "Hiroshi"],
    family: &[
        "Sato",
        "Suzuki",
        "Takahashi",
        "Tanaka",
        "Watanabe",
        "Ito",
        "Yamamoto",
        "Nakamura",
        "Kobayashi",
        "Kato",
    ],
    cities: &[
        city("Tokyo", Some("Tokyo"), Some("1##-####"), "+81 3 N### ####"),
        city("Osaka", Some("Osaka"), Some("5##-####"), "+81 6 N### ####"),
    ],
    streets: &["Chuo-dori", "Omotesando", "Midosuji", "Meiji-dori"],
    number_first: false,
    mobiles: &["+81 90 N### ####", "+81 80 N### ####"],
    banks: &["MUFG Bank", "Sumitomo Mitsui Banking", "Mizuho Bank"],
    passport: "@@#######",
    legal_forms: &["K.K.", "G.K."],
    registration: "0100-01-######",
    card_brands: &["jcb", "visa", "mastercard"],
};

pub const KR: Country = Country {
    code: "KR",
    female: &["Ji-woo", "Seo-yeon", "Min-ji", "Ha-eun", "Su-bin"],
    male: &["Min-jun", "Seo-jun", "Ji-ho", "Hyun-woo", "Dong-hyun"],
    family: &["Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"],
    cities: &[
        city("Seoul", None, Some("0####"), "+82 2 N### ####"),
        city("Busan", None, Some("4####"), "+82 51 N## ####"),
    ],
    streets: &["Teheran-ro", "Sejong-daero", "Gangnam-daero", "Haeundae-ro"],
    number_first: false,
    mobiles: &["+82 10 2### ####", "+82 10 3### ####"],
    banks: &["KB Kookmin Bank", "Shinhan Bank", "Woori Bank"],
    passport: "M########",
    legal_forms: &["Co., Ltd."],
    registration: "110111-#######",
    card_brands: &["visa", "mastercard"],
};
