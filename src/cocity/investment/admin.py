from django.contrib import admin

from cocity.investment.models import Campaign, MatchingCall, Offering, VolunteerRole

admin.site.register(MatchingCall)
admin.site.register(Campaign)
admin.site.register(VolunteerRole)
admin.site.register(Offering)
