//! Country tables: Europe, including two high-risk jurisdictions of the bundled pack (RU, BY).

use super::{Country, city};

pub const GB: Country = Country {
    code: "GB",
    female: &[
        "Olivia",
        "Amelia",
        "Isla",
        "Charlotte",
        "Emily",
        "Poppy",
        "Freya",
        "Imogen",
    ],
    male: &[
        "Oliver", "George", "Harry", "Jack", "Thomas", "William", "Alfie", "Rhys",
    ],
    family: &[
        "Smith", "Jones", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Roberts",
        "Walker", "Wright", "Hughes", "Edwards", "Green",
    ],
    cities: &[
        city("London", None, Some("EC1A #@@"), "+44 20 7946 0###"),
        city("Manchester", None, Some("M1 #@@"), "+44 161 496 0###"),
        city("Edinburgh", None, Some("EH1 #@@"), "+44 131 496 0###"),
        city("Bristol", None, Some("BS1 #@@"), "+44 117 496 0###"),
    ],
    streets: &[
        "High Street",
        "Station Road",
        "Church Lane",
        "Victoria Road",
        "Queen Street",
    ],
    number_first: true,
    mobiles: &["+44 7400 1#####", "+44 7400 2#####"],
    banks: &["Barclays Bank", "HSBC UK", "Lloyds Bank", "NatWest"],
    passport: "5########",
    legal_forms: &["Ltd", "Limited", "LLP"],
    registration: "1#######",
    card_brands: &["visa", "mastercard", "amex"],
};

pub const DE: Country = Country {
    code: "DE",
    female: &[
        "Anna",
        "Lena",
        "Laura",
        "Julia",
        "Katharina",
        "Sophie",
        "Lea",
        "Hannah",
    ],
    male: &[
        "Lukas",
        "Felix",
        "Jonas",
        "Maximilian",
        "Leon",
        "Paul",
        "Tobias",
        "Stefan",
    ],
    family: &[
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Wagner",
        "Becker",
        "Hoffmann",
        "Koch",
        "Richter",
        "Klein",
        "Wolf",
        "Neumann",
    ],
    cities: &[
        city("Berlin", None, Some("10###"), "+49 30 N######"),
        city("Munich", Some("Bavaria"), Some("80###"), "+49 89 N######"),
        city("Hamburg", None, Some("20###"), "+49 40 N######"),
        city(
            "Frankfurt am Main",
            Some("Hesse"),
            Some("60###"),
            "+49 69 N######",
        ),
    ],
    streets: &[
        "Hauptstrasse",
        "Bahnhofstrasse",
        "Gartenweg",
        "Schillerstrasse",
        "Lindenallee",
    ],
    number_first: false,
    mobiles: &["+49 151 N#######", "+49 170 N######"],
    banks: &[
        "Deutsche Bank",
        "Commerzbank",
        "DZ Bank",
        "Sparkasse Berlin",
    ],
    passport: "C********",
    legal_forms: &["GmbH", "AG", "UG"],
    registration: "HRB ######",
    card_brands: &["visa", "mastercard"],
};

pub const FR: Country = Country {
    code: "FR",
    female: &[
        "Camille", "Manon", "Chloé", "Léa", "Inès", "Louise", "Claire", "Juliette",
    ],
    male: &[
        "Hugo", "Lucas", "Louis", "Théo", "Nathan", "Antoine", "Julien", "Mathieu",
    ],
    family: &[
        "Martin", "Bernard", "Dubois", "Durand", "Leroy", "Moreau", "Laurent", "Girard",
        "Fournier", "Lambert", "Fontaine", "Rousseau",
    ],
    cities: &[
        city("Paris", None, Some("750##"), "+33 1 N# ## ## ##"),
        city("Lyon", None, Some("6900#"), "+33 4 7N ## ## ##"),
        city("Marseille", None, Some("130##"), "+33 4 9N ## ## ##"),
    ],
    streets: &[
        "rue de la République",
        "avenue Victor Hugo",
        "rue Pasteur",
        "boulevard Voltaire",
    ],
    number_first: true,
    mobiles: &[
        "+33 6 1# ## ## ##",
        "+33 6 4# ## ## ##",
        "+33 7 8# ## ## ##",
    ],
    banks: &["BNP Paribas", "Société Générale", "Crédit Agricole"],
    passport: "##@@#####",
    legal_forms: &["SAS", "SARL", "SA"],
    registration: "RCS Paris ### ### ###",
    card_brands: &["visa", "mastercard"],
};

pub const NL: Country = Country {
    code: "NL",
    female: &["Emma", "Sanne", "Fleur", "Lotte", "Anouk", "Femke"],
    male: &["Daan", "Sem", "Lars", "Bram", "Thijs", "Ruben"],
    family: &[
        "de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Mulder",
    ],
    cities: &[
        city("Amsterdam", None, Some("10## @@"), "+31 20 N## ####"),
        city("Rotterdam", None, Some("30## @@"), "+31 10 N## ####"),
    ],
    streets: &["Herengracht", "Keizersgracht", "Coolsingel", "Damrak"],
    number_first: false,
    mobiles: &["+31 6 1#######", "+31 6 2#######"],
    banks: &["ING Bank", "ABN AMRO", "Rabobank"],
    passport: "@@*******",
    legal_forms: &["B.V.", "N.V."],
    registration: "KvK ########",
    card_brands: &["visa", "mastercard", "maestro"],
};

pub const RU: Country = Country {
    code: "RU",
    female: &[
        "Anastasia",
        "Ekaterina",
        "Olga",
        "Tatiana",
        "Natalia",
        "Irina",
    ],
    male: &["Dmitry", "Alexei", "Sergei", "Andrei", "Nikolai", "Pavel"],
    family: &[
        "Ivanov",
        "Smirnov",
        "Kuznetsov",
        "Popov",
        "Sokolov",
        "Lebedev",
        "Novikov",
    ],
    cities: &[
        city("Moscow", None, Some("1#####"), "+7 495 N## ## ##"),
        city("Novosibirsk", None, Some("630###"), "+7 383 2## ## ##"),
    ],
    streets: &[
        "Tverskaya ulitsa",
        "Nevsky prospekt",
        "Leninsky prospekt",
        "ulitsa Arbat",
    ],
    number_first: false,
    mobiles: &["+7 916 N## ## ##", "+7 921 N## ## ##"],
    banks: &["Sberbank", "VTB Bank", "Alfa-Bank"],
    passport: "7########",
    legal_forms: &["OOO", "AO"],
    registration: "10277########",
    card_brands: &["mir", "visa"],
};

pub const BY: Country = Country {
    code: "BY",
    female: &["Alena", "Volha", "Hanna", "Darya", "Maryia"],
    male: &["Aliaksandr", "Siarhei", "Uladzimir", "Andrei", "Dzmitry"],
    family: &[
        "Kavalenka",
        "Navitski",
        "Shautsou",
        "Kazlou",
        "Marozau",
        "Tsikhanau",
    ],
    cities: &[
        city("Minsk", None, Some("220###"), "+375 17 N## ## ##"),
        city("Brest", None, Some("224###"), "+375 162 N# ## ##"),
    ],
    streets: &[
        "prospekt Nezavisimosti",
        "vulica Lenina",
        "vulica Kirava",
        "prospekt Pieramozhcau",
    ],
    number_first: false,
    mobiles: &["+375 29 N## ## ##", "+375 33 N## ## ##"],
    banks: &["Belarusbank", "Priorbank"],
    passport: "MP#######",
    legal_forms: &["OOO", "ODO"],
    registration: "19#######",
    card_brands: &["visa", "mastercard"],
};
