"""What simulated tickets are about and who calls: a Dutch municipality's service desk."""

from __future__ import annotations

__all__ = ["CATEGORIES", "FIRST_NAMES", "LAST_NAMES"]

# category -> (SSC service code, weight, subcategories, operator group, brief descriptions)
CATEGORIES: dict[str, tuple[str, int, tuple[str, ...], str, tuple[str, ...]]] = {
    "Werkplek": ("WERKPLEK", 25, ("Laptop", "Monitor en randapparatuur", "Software installatie"),
                 "2e lijn Werkplekbeheer",
                 ("Laptop start niet op", "Tweede beeldscherm geeft geen beeld",
                  "Verzoek installatie software", "Laptop is erg traag", "Dockingstation werkt niet")),
    "Applicaties": ("APPLICATIES", 22, ("Zaaksysteem", "Burgerzaken", "Financieel systeem", "Office 365"),
                    "Applicatiebeheer",
                    ("Foutmelding in zaaksysteem", "Outlook synchroniseert niet",
                     "Document opslaan in Teams lukt niet", "Burgerzakenapplicatie loopt vast",
                     "Factuur niet zichtbaar in financieel systeem")),
    "Accounts en toegang": ("ACCOUNTS", 18, ("Wachtwoord", "Autorisaties", "Nieuw account"),
                            "1e lijn Servicedesk",
                            ("Wachtwoord vergeten", "Account geblokkeerd",
                             "Toegang tot gedeelde map aanvragen", "MFA werkt niet op nieuwe telefoon",
                             "Account aanmaken nieuwe medewerker")),
    "Netwerk": ("NETWERK", 8, ("Wifi", "VPN", "Bekabeling"), "Netwerkbeheer",
                ("Geen verbinding met wifi", "VPN-verbinding valt steeds weg",
                 "Netwerkaansluiting werkt niet")),
    "Telefonie": ("TELEFONIE", 7, ("Mobiel", "Vaste telefonie"), "Telefonie en mobiel",
                  ("Mobiele telefoon kapot", "Doorschakeling werkt niet", "Nieuwe simkaart nodig")),
    "Printen": ("PRINTEN", 10, ("Multifunctional", "Scannen"), "2e lijn Werkplekbeheer",
                ("Printer print niet", "Scannen naar e-mail werkt niet",
                 "Papierstoring multifunctional")),
    "Facilitair": ("FACILITAIR", 5, ("Vergaderruimte", "Toegangspas"), "Facilitair",
                   ("Beamer vergaderzaal werkt niet", "Toegangspas werkt niet",
                    "Klimaat in kantoortuin te warm")),
    "Overig": ("OVERIG", 5, ("Vraag", "Klacht"), "1e lijn Servicedesk",
               ("Vraag over werkwijze servicedesk", "Informatieverzoek", "Klacht over afhandeling")),
}

FIRST_NAMES = (
    "Jan", "Piet", "Kees", "Henk", "Sanne", "Lotte", "Emma", "Sophie", "Daan", "Lucas", "Anouk",
    "Fleur", "Thijs", "Bram", "Mohammed", "Fatima", "Yusuf", "Ayse", "Marieke", "Ingrid", "Gerrit",
    "Willem", "Ilse", "Noor", "Ruben", "Joost", "Esther", "Karin", "Mark", "Linda",
)
LAST_NAMES = (
    "de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "de Boer",
    "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
    "Brouwer", "de Wit", "Dijkstra", "de Graaf", "van der Meer", "van der Linden", "Kok",
    "Jacobs", "de Haan", "Vermeulen", "van den Heuvel", "van Dijk", "Yilmaz", "El Amrani",
)
